"""What a smoke run starts: taken from a normalized Deployment, or given by hand (--command, --image)."""

from __future__ import annotations

import re
import shlex
from typing import Any
from dataclasses import dataclass, field

from ..data import engines
from ..normalize.engine import expand
from ..normalize.model import Container, Deployment, secret_name

_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T|k)?$")
_UNITS = {None: 1, "k": 1000, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


@dataclass
class Target:
    name: str
    subject: str  # the deployment's subject (Kind/ns/name@origin) or "command line"
    engine: str  # vllm | tgi | sglang | ... | openai (anything OpenAI-compatible)
    port: int
    health_path: str
    command: list[str] = field(default_factory=list)  # Kubernetes `command` (docker: the entrypoint)
    args: list[str] = field(default_factory=list)  # Kubernetes `args` (docker: the command)
    image: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # literal values from the manifest
    secret_env: list[str] = field(default_factory=list)  # names filled from the runner's environment, never the manifest
    gpus: int = 0
    shm_bytes: int | None = None
    model: str | None = None  # the name requests carry in "model"
    metrics_path: str | None = "/metrics"
    startup_budget_s: int | None = None  # how long Kubernetes' probes give the container to start
    notes: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        return self.command + self.args

    def process_argv(self) -> list[str]:
        """What a process launcher runs: a manifest giving only `args` relies on the image's entrypoint."""
        if self.command:
            return self.argv
        entry = engines().get(self.engine, {}).get("image_entrypoint")
        if not entry:
            raise ValueError(f"{self.subject}: no command, and the {self.engine} image's entrypoint is not known: give --command")
        return list(entry) + self.args

    def describe(self) -> dict[str, Any]:
        """For smoke-result.json: everything but values of the environment."""
        return {"name": self.name, "subject": self.subject, "engine": self.engine, "image": self.image,
                "argv": self.argv, "port": self.port, "health_path": self.health_path, "metrics_path": self.metrics_path,
                "gpus": self.gpus, "shm_bytes": self.shm_bytes, "model": self.model,
                "env": sorted(self.env), "secret_env": sorted(self.secret_env), "startup_budget_s": self.startup_budget_s,
                "notes": self.notes}


def quantity_bytes(text: str | None) -> int | None:
    m = _QUANTITY.match(str(text or "").strip())
    return int(float(m.group(1)) * _UNITS[m.group(2)]) if m else None


def from_deployment(d: Deployment) -> Target:
    c = d.engine_container or next((c for _p, c in d.containers()), None)
    if c is None:
        raise ValueError(f"{d.ref}: no container to start")
    pod = d.pod_of(c)
    facts = engines().get(d.engine.name, {}) if d.engine else {}
    literal, secrets, notes = _environment(c)
    notes += _not_started(d, c, pod.role)
    startup = c.probes.get("startup") or c.probes.get("liveness")
    shm = pod.volume_at(c, "/dev/shm")
    return Target(
        name=d.name, subject=d.id, engine=d.engine.name if d.engine else "openai",
        port=(d.engine.port if d.engine and d.engine.port else 8000), health_path=_health_path(c, facts),
        # the kubelet expands $(VAR) from the container's env before it starts the process; so do we
        command=[expand(t, literal) for t in c.command], args=[expand(t, literal) for t in c.args],
        image=c.image.ref if c.image else None, env=literal, secret_env=secrets, gpus=_gpus(c),
        shm_bytes=quantity_bytes(shm.size_limit) if shm and shm.medium == "Memory" else None,
        model=_served_model(d), metrics_path=facts.get("metrics_path", "/metrics"),
        startup_budget_s=startup.budget_seconds if startup is not None else None, notes=notes,
    )


def _not_started(d: Deployment, c: Container, role: str) -> list[str]:
    """What of the deployment one machine does not start, said in the target's notes."""
    notes = []
    pods = sum(p.count for p in d.pods)
    if pods > 1:  # LeaderWorkerSet, Ray, prefill/decode: one machine starts one container
        notes.append(f"a serving group of {pods} pods: only container {c.name} of the {role} pod is started")
    if d.partial:
        notes.append("the operator completes this pod at run time (e.g. a KServe runtime): what it adds is not started")
    return notes


def _health_path(c: Container, facts: dict[str, Any]) -> str:
    """The readiness (else startup) probe's HTTP path, else the engine's first health path."""
    ready = c.probes.get("readiness") or c.probes.get("startup")
    if ready is not None and ready.handler == "httpGet" and ready.path:
        return ready.path
    return str((facts.get("health_paths") or ["/health"])[0])


def _gpus(c: Container) -> int:
    gpu = c.gpu()
    return (gpu[1] or gpu[2]) if gpu else 0


def _environment(c: Container) -> tuple[dict[str, str], list[str], list[str]]:
    """The literal env values the run sets, the names it fills from the runner's environment, and notes."""
    literal = {e.name: e.value for e in c.env if e.value is not None}
    notes, secrets = [], []
    for name in [n for n in literal if secret_name(n)]:  # a credential written in the manifest is not used
        del literal[name]
        secrets.append(name)
        notes.append(f"env {name} is written in the manifest: its value is taken from the runner's environment instead")
    for e in c.env:
        ref = (e.value_from or {})
        if "secretKeyRef" in ref:
            secrets.append(e.name)
        elif e.value is None and ref:
            notes.append(f"env {e.name} comes from {next(iter(ref))}: not set in the smoke run")
    return literal, secrets, notes


def _served_model(d: Deployment) -> str | None:
    """The name requests carry: the engine's served model name, else its model, else the deployment's model id."""
    if d.engine is not None:
        for key in ("served_model_name", "model"):
            v = d.engine.setting(key)
            if v is not None and isinstance(v.value, str):
                return v.value.split()[0]
    return d.model.id if d.model else None


def from_command(command: str | None, image: str | None, port: int, health_path: str, engine: str = "openai") -> Target:
    facts = engines().get(engine, {})
    return Target(name="command-line", subject="command line", engine=engine, port=port, health_path=health_path,
                  command=shlex.split(command) if command else [], image=image,
                  metrics_path=facts.get("metrics_path", "/metrics"))


def plan(deployments: list[Deployment], gpu_only: bool) -> list[dict[str, Any]]:
    """One matrix entry per serving deployment (a chart once, with its default values), for
    `strategy.matrix` in a workflow that fans smoke runs out over GPU runners."""
    include, seen = [], set()
    for d in sorted(deployments, key=lambda d: (not d.origin.endswith("@values.yaml"), d.origin)):
        where = d.origin.split("@")[0]
        if not d.serving or (gpu_only and d.gpus_per_group() == 0) or (d.ref, where) in seen:
            continue
        seen.add((d.ref, where))
        include.append({"id": d.id, "name": d.name, "path": where,
                        "engine": d.engine.name if d.engine else None, "gpus": d.gpus_per_group(), "gpu_type": (d.gpu_type() or (None,))[0]})
    return include
