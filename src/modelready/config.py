"""`.modelready.yaml`: what to skip, which checks and severities, and which values sets render a chart."""

from __future__ import annotations

from typing import Any, Iterable

import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import roots
from .findings import Severity
from .discover import inside, read_bounded, resolve
from .load import values_sets
from .load.yamlsrc import YamlError, line_of, load_one

CONFIG_NAMES = roots.CONFIG_NAMES
# Every key the file knows, at every depth: a mapping's known keys, or `ANY` where the keys are the
# user's (chart folders, check IDs). A key not here is a warning with the nearest known one.
ANY = object()
KEYS: dict[str, Any] = {
    "exclude": None,
    "checks": {"disable": None, "enable": None, "severity": None},
    "charts": {ANY: {"values": None}},
    "profile": None,
    "scope": None,
    "kubernetes_version": None,
    "fail_on": None,
    "trivy": {"severity": None, "ignore_unfixed": None, "cache_dir": None, "timeout": None, "parallel": None},
    "smoke": {"concurrency": None, "duration": None, "max_tokens": None, "ready_timeout": None, "request_timeout": None},
    "cost": {"cloud": None, "region": None, "prices": {ANY: {"on_demand": None, "spot": None}}, "source": None},
    # what a pull request may do to its own gate (read from the base branch's config only): `allow` lets the
    # suppression annotations it adds apply without approval, and its author attest their own pull request
    "pull_requests": {"suppressions": None, "self_attestation": None},
}
CLOUDS = ("aws", "azure", "gcp", "on-prem")
REGION_CLASSES = ("us", "eu", "asia")


SCOPES = ("serving", "all")  # what the gate is about: serving workloads and what links to them, or every workload


class ConfigError(ValueError):
    pass


@dataclass
class CostConfig:
    """`cost:` in .modelready.yaml: where the GPUs run (the price table's cloud and region class) and the
    team's own prices (a negotiated rate, an on-premises cost per GPU-hour), which win over the table."""

    cloud: str = "aws"
    region: str = "us"
    prices: dict[str, dict[str, float]] = field(default_factory=dict)  # GPU name -> {on_demand, spot} USD per GPU-hour
    source: str | None = None  # how the team names its prices ("negotiated rate, 2026 contract")
    where: str | None = None  # the config file, for the price's source


@dataclass
class Config:
    exclude: list[str] = field(default_factory=list)
    disable: set[str] = field(default_factory=set)
    enable: set[str] = field(default_factory=set)
    severity: dict[str, Severity] = field(default_factory=dict)
    # chart dir (repo-relative) -> list of values sets, each a list of files relative to the chart
    charts: dict[str, list[list[str]]] = field(default_factory=dict)
    profile: str | None = None
    kubernetes_version: str | None = None  # the release manifests are validated against (None: scan.schema's default)
    scope: str = "serving"  # serving: findings on other workloads are info; all: every workload gates alike
    fail_on: Severity | None = Severity.error  # None: never fail (report only)
    trivy: dict[str, Any] = field(default_factory=dict)  # severity, ignore_unfixed, cache_dir, timeout, parallel
    smoke: dict[str, Any] = field(default_factory=dict)  # smoke run: concurrency, duration, max_tokens, ready_timeout, request_timeout
    cost: "CostConfig" = field(default_factory=lambda: CostConfig())
    source: str | None = None
    online: bool = False  # may ask the Hugging Face Hub for a model's config.json (the CLI and Action turn it on; --offline off)
    # modelready's cache of engines' results across runs (cache.py): `check` turns it on, --no-cache off (said in the
    # report); None: not this command's (the Action's runs share results within their one process only)
    cache: bool | None = None
    hf_token: str | None = None  # the Action's hf-token input, never the config file; None: HF_TOKEN from the environment
    pr_suppressions: bool = False  # pull_requests.suppressions: allow
    self_attestation: bool = False  # pull_requests.self_attestation: allow
    warnings: list[str] = field(default_factory=list)  # unknown keys: said, with the nearest known one, never fatal
    _id_lines: dict[str, int] = field(default_factory=dict, repr=False)

    def check_ids(self) -> dict[str, int]:
        """Every check ID the file names, with its line (0 when unknown)."""
        return {**{c: 0 for c in self.disable | self.enable | set(self.severity)}, **self._id_lines}

    def unknown_checks(self, known: Iterable[str]) -> list[str]:
        """Warnings for check IDs the file names that no check has, each with the nearest known ID."""
        where = self.source or "config"
        return [f"{where}{f':{line}' if line else ''}: unknown check {cid!r}{did_you_mean(cid, known)}"
                for cid, line in sorted(self.check_ids().items()) if cid not in known]

    def select_checks(self, select: list[str] | None, ignore: list[str] | None, registry: dict[str, Any]) -> None:
        """--select (only these run, off-by-default ones included) and --ignore (these do not), as Ruff's;
        `*` patterns allowed. A name that matches no check is an error with the nearest ID."""
        import fnmatch

        def expand(names: list[str], flag: str) -> set[str]:
            out = set()
            for name in names:
                hits = fnmatch.filter(registry, name) if any(ch in name for ch in "*?[") else [name] if name in registry else []
                if not hits:
                    raise ConfigError(f"{flag} {name}: no such check{did_you_mean(name, registry)}; `modelready checks` lists them")
                out |= set(hits)
            return out

        if select is not None:
            chosen = expand(select, "--select")
            self.enable |= chosen
            self.disable |= set(registry) - chosen
        if ignore is not None:
            self.disable |= expand(ignore, "--ignore")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or nothing when none is close."""
    return _did_you_mean(word, tuple(choices))


@functools.lru_cache(maxsize=4096)
def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    # once per distinct word: the same unknown name on 20,000 workloads is one difflib search
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_fail_on(text: str) -> Severity | None:
    """A severity, or `never` (None): report, and never fail."""
    return None if str(text).strip().lower() == "never" else Severity.parse(str(text))


def find_config(root: Path, start: Path | None = None) -> Path | None:
    """`.modelready.yaml` beside `start` or the nearest one above it, up to `root`."""
    return roots.find_config(start or root, root)


def _unknown_keys(raw: object, schema: object, path: Path, prefix: tuple[str, ...] = ()) -> list[str]:
    out: list[str] = []
    if not isinstance(raw, dict) or not isinstance(schema, dict):
        return out
    for key, value in raw.items():
        if ANY in schema:
            out += _unknown_keys(value, schema[ANY], path, prefix + (key,))
        elif key in schema:
            out += _unknown_keys(value, schema[key], path, prefix + (key,))
        else:
            dotted = ".".join(map(str, prefix + (key,)))
            out.append(f"{path}:{line_of(raw, key) or 1}: unknown key {dotted}{did_you_mean(str(key), [k for k in schema if k is not ANY])}, ignored")
    return out


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    raw = _read(path)
    cfg = Config(source=str(path), exclude=[str(x) for x in raw.get("exclude") or []], profile=raw.get("profile"))
    cfg.warnings = _unknown_keys(raw, KEYS, path)
    if raw.get("kubernetes_version") is not None:
        cfg.kubernetes_version = str(raw["kubernetes_version"]).strip().lstrip("v")
        if not re.fullmatch(r"1\.\d+(\.\d+)?", cfg.kubernetes_version):
            raise ConfigError(f"{path}:{line_of(raw, 'kubernetes_version')}: kubernetes_version must be a release such as \"1.33\", not {raw['kubernetes_version']!r}")
    cfg.scope = str(raw.get("scope") or "serving").strip().lower()
    if cfg.scope not in SCOPES:
        raise ConfigError(f"{path}:{line_of(raw, 'scope')}: scope must be one of {', '.join(SCOPES)}, not {raw['scope']!r}")
    _checks(cfg, raw, path)
    cfg.charts = _charts(raw.get("charts") or {}, path)
    cfg.trivy = _known(raw.get("trivy") or {}, "trivy", path)
    cfg.smoke = _smoke(_known(raw.get("smoke") or {}, "smoke", path), path)
    cfg.cost = _cost(raw, path)
    prs = _known(raw.get("pull_requests") or {}, "pull_requests", path)
    cfg.pr_suppressions, cfg.self_attestation = (str(prs.get(k, "")).lower() in ("allow", "true") for k in ("suppressions", "self_attestation"))
    return cfg


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = load_one(read_bounded(_confined(path)).decode("utf-8")) or {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot be read: {e.strerror if isinstance(e, OSError) else e}") from None
    except YamlError as e:
        raise ConfigError(f"{path}:{e.line}: does not parse: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping")
    return raw


def _confined(path: Path) -> Path:
    """`path`; Refused (an OSError) where it is a link out of its work tree (the git top level above it, else its
    folder): a repository's `.modelready.yaml` linked to a file of the runner was read, its keys quoted in warnings."""
    if not os.path.islink(path):
        return path
    folder = Path(os.path.abspath(path)).parent
    return inside(path, (resolve(roots.git_top(folder) or folder),))


def _known(section: object, name: str, path: Path) -> dict[str, Any]:
    """A mapping section's known keys (the unknown ones were warned about)."""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: {name} must be a mapping of {sorted(KEYS[name])}")
    return {k: v for k, v in section.items() if k in KEYS[name]}


def _checks(cfg: Config, raw: dict[str, Any], path: Path) -> None:
    checks = raw.get("checks") or {}
    if not isinstance(checks, dict):
        raise ConfigError(f"{path}:{line_of(raw, 'checks')}: checks must be a mapping (disable, enable, severity)")
    for key in ("disable", "enable", "severity"):
        _check_ids(cfg, raw, checks, key, path)
    cfg.disable = {str(x) for x in checks.get("disable") or []}
    cfg.enable = {str(x) for x in checks.get("enable") or []}
    try:
        cfg.severity = {str(k): Severity.parse(str(v)) for k, v in (checks.get("severity") or {}).items()}
        if raw.get("fail_on"):
            cfg.fail_on = parse_fail_on(str(raw["fail_on"]))
    except ValueError as e:
        raise ConfigError(f"{path}: {e}") from None


def _check_ids(cfg: Config, raw: dict[str, Any], checks: dict[str, Any], key: str, path: Path) -> None:
    """checks.disable and checks.enable are lists, checks.severity a mapping; each ID's line kept for its warning."""
    listed = checks.get(key) or ({} if key == "severity" else [])
    if not isinstance(listed, dict if key == "severity" else list):
        kind = "a mapping of check ID to severity" if key == "severity" else "a list of check IDs"
        raise ConfigError(f"{path}:{line_of(raw, 'checks', key)}: checks.{key} must be {kind}")
    for i, cid in enumerate(listed):
        cfg._id_lines[str(cid)] = line_of(raw, "checks", key, i if isinstance(listed, list) else cid)


def _charts(charts: object, path: Path) -> dict[str, list[list[str]]]:
    try:
        return values_sets.pinned(charts)
    except ValueError as e:
        raise ConfigError(f"{path}: {e}") from None


def _smoke(smoke: dict[str, Any], path: Path) -> dict[str, Any]:
    for k, v in smoke.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise ConfigError(f"{path}: smoke.{k} must be a number ≥ 0, not {v!r}")
    return {SMOKE_KEYS[k]: v for k, v in smoke.items()}


# .modelready.yaml `smoke:` key -> smoke.run.Options field
SMOKE_KEYS = {"concurrency": "concurrency", "duration": "duration_s", "max_tokens": "max_tokens",
              "ready_timeout": "ready_timeout_s", "request_timeout": "request_timeout_s"}


def _price(raw: dict[str, Any], path: Path, gpu: Any, price: Any) -> dict[str, float]:
    """One GPU's cost.prices entry: a number (on demand and spot alike), or on_demand/spot numbers (spot as
    on demand when only that is given)."""
    entry = price if isinstance(price, dict) else {"on_demand": price, "spot": price}
    clean = {}
    for k, v in entry.items():
        if k not in ("on_demand", "spot"):
            continue  # warned about as an unknown key
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v < 10_000:
            raise ConfigError(f"{path}:{line_of(raw, 'cost', 'prices', gpu)}: cost.prices.{gpu} must be USD per GPU-hour "
                              f"(a number, or on_demand/spot numbers), not {v!r}")
        clean[k] = float(v)
    if "on_demand" in clean:
        clean.setdefault("spot", clean["on_demand"])
    return clean


def _cost(raw: dict[str, Any], path: Path) -> CostConfig:
    section = raw.get("cost")
    if section is None:
        return CostConfig()
    c = _known(section, "cost", path)
    out = CostConfig(where=str(path))
    for key, allowed in (("cloud", CLOUDS), ("region", REGION_CLASSES)):
        if key in c:
            value = str(c[key]).strip().lower()
            if value not in allowed:
                raise ConfigError(f"{path}:{line_of(raw, 'cost', key)}: cost.{key} takes {', '.join(allowed)}, not {c[key]!r}")
            setattr(out, key, value)
    if c.get("source") is not None:
        out.source = str(c["source"])[:120]
    prices = c.get("prices") or {}
    if not isinstance(prices, dict):
        raise ConfigError(f"{path}:{line_of(raw, 'cost', 'prices')}: cost.prices must map a GPU name to USD per GPU-hour")
    for gpu, price in prices.items():
        out.prices[str(gpu)] = _price(raw, path, gpu, price)
    if out.cloud == "on-prem" and not out.prices:
        raise ConfigError(f"{path}:{line_of(raw, 'cost', 'cloud')}: cost.cloud on-prem needs cost.prices (a cost per GPU-hour)")
    return out
