"""`.modelready.yaml`: what to skip, which checks and severities, and which values sets render a chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .findings import Severity
from .load.yamlsrc import YamlError, load_one

CONFIG_NAMES = (".modelready.yaml", ".modelready.yml")


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    exclude: list[str] = field(default_factory=list)
    disable: set[str] = field(default_factory=set)
    enable: set[str] = field(default_factory=set)
    severity: dict[str, Severity] = field(default_factory=dict)
    # chart dir (repo-relative) -> list of values sets, each a list of files relative to the chart
    charts: dict[str, list[list[str]]] = field(default_factory=dict)
    profile: str | None = None
    fail_on: Severity = Severity.error
    trivy: dict = field(default_factory=dict)  # severity, ignore_unfixed, cache_dir, timeout, parallel
    smoke: dict = field(default_factory=dict)  # smoke run: concurrency, duration, max_tokens, ready_timeout, request_timeout
    source: str | None = None
    online: bool = False  # may ask the Hugging Face Hub for a model's config.json (the CLI and Action turn it on; --offline off)
    hf_token: str | None = None  # the Action's hf-token input, never the config file; None: HF_TOKEN from the environment


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    raw = _read(path)
    known = {"exclude", "checks", "charts", "profile", "fail_on", "trivy", "smoke"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    cfg = Config(source=str(path), exclude=[str(x) for x in raw.get("exclude") or []], profile=raw.get("profile"))
    _checks(cfg, raw, path)
    cfg.charts = _charts(raw.get("charts") or {}, path)
    trivy = raw.get("trivy") or {}
    allowed = {"severity", "ignore_unfixed", "cache_dir", "timeout", "parallel"}
    if not isinstance(trivy, dict) or set(trivy) - allowed:
        raise ConfigError(f"{path}: trivy takes only {sorted(allowed)}")
    cfg.trivy = dict(trivy)
    cfg.smoke = _smoke(raw.get("smoke") or {}, path)
    return cfg


def _read(path: Path) -> dict:
    try:
        raw = load_one(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot be read: {e}") from None
    except YamlError as e:
        raise ConfigError(f"{path}:{e.line}: does not parse: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping")
    return raw


def _checks(cfg: Config, raw: dict, path: Path) -> None:
    checks = raw.get("checks") or {}
    cfg.disable = {str(x) for x in checks.get("disable") or []}
    cfg.enable = {str(x) for x in checks.get("enable") or []}
    try:
        cfg.severity = {str(k): Severity.parse(str(v)) for k, v in (checks.get("severity") or {}).items()}
        if raw.get("fail_on"):
            cfg.fail_on = Severity.parse(str(raw["fail_on"]))
    except ValueError as e:
        raise ConfigError(f"{path}: {e}") from None


def _charts(charts: dict, path: Path) -> dict[str, list[list[str]]]:
    out = {}
    for chart, spec in charts.items():
        sets = (spec or {}).get("values") if isinstance(spec, dict) else None
        if not isinstance(sets, list):
            raise ConfigError(f"{path}: charts.{chart}.values must be a list of values sets")
        out[str(chart).rstrip("/")] = [[str(f) for f in (s if isinstance(s, list) else [s])] for s in sets]
    return out


def _smoke(smoke: object, path: Path) -> dict:
    if not isinstance(smoke, dict) or set(smoke) - set(SMOKE_KEYS):
        raise ConfigError(f"{path}: smoke takes only {sorted(SMOKE_KEYS)}")
    for k, v in smoke.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise ConfigError(f"{path}: smoke.{k} must be a number ≥ 0, not {v!r}")
    return {SMOKE_KEYS[k]: v for k, v in smoke.items()}


# .modelready.yaml `smoke:` key -> smoke.run.Options field
SMOKE_KEYS = {"concurrency": "concurrency", "duration": "duration_s", "max_tokens": "max_tokens",
              "ready_timeout": "ready_timeout_s", "request_timeout": "request_timeout_s"}
