"""The normalized model's types. Checks read these dataclasses and nothing else; every normalize stage
(kinds, engine, link, resolve) fills them and imports them from here, so no stage defines a type another
stage needs (no import circle)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, overload

from .. import data
from ..findings import Loc
from ..load.k8s import subject_id
from ..masking import is_secret_name
from .architecture import ModelArch, Quant

GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "habana.ai/gaudi", "google.com/tpu", "aws.amazon.com/neuron", "aws.amazon.com/neuroncore", "gpu.intel.com/i915")


@dataclass(frozen=True)
class Traits:
    """What a workload kind is, as its controller runs it (normalize/kinds/<family>.py declares them)."""

    owns_pods: bool = False  # creates its pods itself: a Service, disruption budget and scraper must select them
    completed_by_operator: bool = False  # an operator (KServe) completes the pods: it adds the probes and runs the autoscaling
    template_only: bool = False  # a template other objects instantiate: node selection and the model are theirs to name
    managed_service: bool = False  # the operator creates the Service itself
    partial: bool = False  # an operator completes the pod: missing volumes and probes prove nothing
    image_only: bool = False  # an image's own start (Dockerfile ENTRYPOINT/CMD): no pod, no cluster settings to judge
    batch: bool = False  # runs to completion (a Job): accelerators alone make it training or a batch run, not serving


@dataclass(frozen=True)
class Gpu:
    name: str  # the table's name, or the MIG profile
    usable_gib: float  # what PyTorch reports as total; vLLM's utilization multiplies this
    source: str  # how it was told, for the message

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # as the deployment names it: a Hub id, a served path, a storage URI
    arch: ModelArch | None  # None when only the name told a size
    source: str  # said in every finding that uses the model
    kind: str  # repo | hub | table | name
    certain: bool  # an error may rest on it: the model's own config.json, or a table entry confirmed from one
    params_b: float | None = None  # from the name, when arch is None
    name_quant: Quant | None = None  # a quantization the name announces ("-AWQ"), when no config.json says
    notes: tuple[str, ...] = ()  # what was tried and failed (Hub errors), for the message

    @property
    def label(self) -> str:
        tried = "".join(f"; {n}" for n in self.notes)
        return f"{self.name} ({self.source}{tried})"


@dataclass(slots=True)
class Value:
    """A setting as found, with where it was found."""

    value: Any  # as written: str, int or float; True for a bare switch
    loc: Loc
    raw: str = ""  # the text as written (e.g. "--max-model-len=8192")


@dataclass
class Image:
    ref: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None
    loc: Loc

    @classmethod
    def parse(cls, ref: str, loc: Loc) -> "Image":
        rest, _, digest = ref.partition("@")
        name, tag = rest, None
        if ":" in rest.rsplit("/", 1)[-1]:
            name, tag = rest.rsplit(":", 1)
        first, _, remainder = name.partition("/")
        if remainder and ("." in first or ":" in first or first == "localhost"):
            registry, repository = first, remainder
        else:
            registry, repository = "docker.io", name
        return cls(ref, registry, repository, tag, digest or None, loc)

    @property
    def templated(self) -> bool:
        """A placeholder to be filled by tooling (`<image>`, `${IMAGE}`, `$(VAR)`, `{{ .x }}`)."""
        return bool(re.search(r"[<>${}]", self.ref)) or self.ref in ("", "kserve-container-image") or self.tag in ("replace", "placeholder")


def secret_name(name: str) -> bool:
    """An environment variable named like a credential (HF_TOKEN, OPENAI_API_KEY), not like a setting about one."""
    return is_secret_name(name)


@dataclass
class EnvVar:
    name: str
    value: str | None  # a literal value, None when valueFrom or absent
    value_from: dict[str, Any] | None
    loc: Loc


@dataclass
class EnvFrom:
    """An envFrom source: every key of a ConfigMap or Secret becomes a variable (prefixed)."""

    kind: str  # ConfigMap | Secret
    name: str
    prefix: str
    optional: bool
    loc: Loc


@dataclass
class Probe:
    kind: str  # startup | readiness | liveness
    handler: str  # httpGet | tcpSocket | exec | grpc | none
    path: str | None
    port: object
    initial_delay: int
    period: int
    failure_threshold: int
    timeout: int
    loc: Loc
    command: tuple[str, ...] = ()  # an exec probe's argv

    @property
    def budget_seconds(self) -> int:
        """How long the container has before this probe gives up on it (Kubernetes' own arithmetic)."""
        return self.initial_delay + self.period * self.failure_threshold


@dataclass
class Container:
    name: str
    image: Image | None
    command: list[str]
    args: list[str]
    env: list[EnvVar]
    requests: dict[str, Value]
    limits: dict[str, Value]
    probes: dict[str, Probe]
    ports: dict[str, int]  # name (or str(number)) -> containerPort
    mounts: dict[str, str]  # mountPath -> volume name
    loc: Loc
    resources_loc: Loc
    init: bool = False
    privileged: Value | None = None  # securityContext.privileged: true, where it is written
    capabilities: dict[str, Loc] = field(default_factory=dict)  # node-owning capabilities added (SYS_ADMIN, ALL, ...) -> where
    run_as_user: Value | None = None  # securityContext.runAsUser, where it is written (0: root)
    arg_locs: dict[str, list[Loc]] = field(default_factory=dict)  # "command"/"args" -> Loc per item
    env_from: list[EnvFrom] = field(default_factory=list)
    model_format: str | None = None  # a KServe predictor's modelFormat.name: the runtime it selects
    script_first_line: int | None = None  # args[0] is a script file's text (not a YAML block): its first line
    borrowed_from: str | None = None  # the template its image and command come from (a ServingRuntime), judged there
    # a Python start script's (text, the line before its first line, no other source can set env): read by normalize/pyscript
    py_script: tuple[str, Loc, bool] | None = None

    def loc_of_arg(self, part: str, i: int) -> Loc:
        locs = self.arg_locs.get(part) or []
        return locs[i] if i < len(locs) else self.loc

    def gpu(self) -> tuple[str, int, int] | None:
        """(resource name, count in limits, count in requests) for the first accelerator resource asked."""
        for res in GPU_RESOURCES:  # asked for by every check of a deployment: no merged copy of the resources unless needed
            if res in self.limits or res in self.requests:
                return res, _count(self.limits.get(res)), _count(self.requests.get(res))
        for res in {**self.requests, **self.limits}:
            if res.startswith("nvidia.com/mig-"):
                return res, _count(self.limits.get(res)), _count(self.requests.get(res))
        return None

    def env_map(self) -> dict[str, EnvVar]:
        return {e.name: e for e in self.env}


def as_int(x: object) -> int | None:
    """A manifest or spec value as an integer ("8", 8), None when it is not one."""
    if type(x) is int:  # most values: a count read from YAML (never a bool: int("True") fails below)
        return x
    try:
        return int(str(x))
    except (TypeError, ValueError):
        return None


def _count(v: Value | None) -> int:
    return (as_int(v.value) or 0) if v is not None else 0


@dataclass
class Volume:
    name: str
    kind: str  # emptyDir | persistentVolumeClaim | hostPath | secret | configMap | ...
    medium: str | None
    size_limit: str | None
    loc: Loc
    claim: str | None = None  # a persistentVolumeClaim volume's claimName


@dataclass
class PodSpec:
    role: str  # main | leader | worker | head | prefill | decode ...
    count: int  # pods of this template in one group (LWS: 1 leader + size-1 workers)
    containers: list[Container]
    init_containers: list[Container]
    volumes: dict[str, Volume]
    node_selector: dict[str, str]
    tolerations: list[Any]
    affinity: dict[str, Any]
    host_ipc: bool
    loc: Loc
    host_namespaces: dict[str, Loc] = field(default_factory=dict)  # hostNetwork / hostIPC / hostPID set true -> where
    run_as_user: Value | None = None  # the pod's securityContext.runAsUser, which containers without their own inherit
    host_paths: dict[str, str] = field(default_factory=dict)  # volume name -> hostPath path

    def volume_at(self, c: Container, mount_path: str) -> Volume | None:
        """The volume container `c` mounts at `mount_path` (e.g. /dev/shm), None when nothing is mounted there."""
        name = c.mounts.get(mount_path)
        return self.volumes.get(name) if name else None

    def selected_gpus(self) -> list[tuple[str, str, tuple[str, dict[str, Any]]]]:
        """(label, value, GPU table entry) for each nodeSelector entry naming a GPU model (nvidia-l4, NVIDIA-H100-80GB-HBM3)."""
        return [(k, v, named) for k, v in self.node_selector.items() if (named := data.gpu_by_name(v))]


@dataclass
class Invocation:
    """How a serving process is started, wherever that is written (a container's command, args, env and
    envFrom; a shell script; an image's ENTRYPOINT/CMD/ENV; a Ray Serve application; an operator CR's
    fields): the argv and env it gets, each value with the file and line it came from."""

    source: str  # says where, in messages: "container vllm", "Dockerfile ENTRYPOINT", "NIMService spec"
    argv: list[Value] = field(default_factory=list)
    env: list[EnvVar] = field(default_factory=list)
    loc: Loc | None = None

    def env_map(self) -> dict[str, EnvVar]:
        return {e.name: e for e in self.env}


@dataclass
class Engine:
    name: str  # vllm | tgi | sglang | triton | ollama | nim | other
    version: str | None  # from the image tag or a pinned install; None when it cannot be told
    version_loc: Loc | None
    flags: dict[str, Value] = field(default_factory=dict)  # canonical flag -> value (True for a bare switch)
    settings: dict[str, Value] = field(default_factory=dict)  # normalized: tensor_parallel, max_model_len, ...
    argv_seen: bool = False  # the invocation or its argument list was found and parsed
    dynamic_args: bool = False  # args assembled at run time (env-expanded, scripts): absence proves nothing
    unknown_tokens: list[Value] = field(default_factory=list)
    port: int | None = None  # where it listens: --port (or its env twin), else the engine's default
    invocation: Invocation | None = None  # where it is started and with what
    assumed: str | None = None  # what recognising it assumed (a custom image read as vLLM): a warning says so
    unparsed: str | None = None  # why its arguments could not be read (a custom entrypoint): absence proves nothing
    # the parser drops flags it does not know instead of failing (KServe's huggingface server: parse_known_args)
    drops_unknown_flags: str | None = None
    hosted_flags: frozenset[str] = frozenset()  # the host server's own flags, known beside the engine's
    # the engine runs inside a program of the repository's own (a Python script's LLM(...)): the HTTP server,
    # its port, health and metrics routes are that program's, not the engine's
    in_process: str | None = None
    # the keys of its options file (TensorRT-LLM's --extra_llm_api_options YAML), dotted, each at its line
    options: dict[str, Value] = field(default_factory=dict)
    options_file: Loc | None = None  # where that file was read (its first line)

    def setting(self, name: str) -> Value | None:
        return self.settings.get(name)

    @property
    def known(self) -> bool:
        """data/engines.yaml has a row for it."""
        return self.name in data.engines()

    @property
    def release(self) -> str | None:
        """The known vLLM release whose flag table applies to the pinned version (None when unpinned)."""
        return data.vllm_release_for(self.version)

    def default(self, setting: str, fallback: Any) -> Any:
        """The default of `setting` at the pinned release, where it changed by release (data/vllm_flags.json,
        `<setting>_default`; vLLM's table, read for every engine until others have one), else `fallback`."""
        table = data.vllm_flags().get(f"{setting}_default", {})
        return table.get(self.release or "", fallback)

    def capability(self, name: str, default: Any = None) -> Any:
        """What this engine's row in data/engines.yaml says: a capability (llm_server, continuous_batching,
        loads_weights_at_start, llm_args, ...) or a fact (default_port, default_host, health_paths, ...)."""
        return data.engines().get(self.name, {}).get(name, default)

    @overload
    def int_setting(self, name: str, default: int) -> int: ...

    @overload
    def int_setting(self, name: str, default: None = None) -> int | None: ...

    def int_setting(self, name: str, default: int | None = None) -> int | None:
        v = self.settings.get(name)
        n = as_int(v.value) if v is not None else None
        return default if n is None else n


@dataclass
class ModelRef:
    id: str | None  # e.g. meta-llama/Llama-3.1-8B-Instruct, /mnt/models
    uri: str | None  # hf://, s3://, gs://, pvc://, oci://
    revision: str | None
    loc: Loc | None

    @property
    def scheme(self) -> str | None:
        if self.uri and "://" in self.uri:
            return self.uri.split("://", 1)[0]
        if self.id and not self.id.startswith("/") and "/" in self.id:
            return "hf"
        return None


@dataclass
class Related:
    kind: str
    name: str
    loc: Loc
    # an autoscaler's load signals: HPA metric types (none: autoscaling/v1's CPU), KEDA trigger types
    signals: tuple[str, ...] = ()
    # a Secret's data and stringData: (section, key) -> the value as written, where it is written
    entries: dict[tuple[str, str], Value] = field(default_factory=dict)
    public: bool = False  # a Service on a public load balancer (no source ranges, no internal-LB annotation)
    exposure: str = ""  # how it reaches outside the cluster ("a public LoadBalancer", "a NodePort ...", "an Ingress")
    scrapes: tuple[int | str, ...] = ()  # a metrics scraper's pod ports, number or container port name
    host_path: str = ""  # a PersistentVolume on one node's disk: its hostPath
    claim: str = ""  # a PersistentVolume or StorageClass: the claim (a pod's volume claimName) it is there for


@dataclass
class Deployment:
    """One serving unit: a workload, its pods, its engine, its model, and what points at it."""

    kind: str
    name: str
    namespace: str
    api_version: str
    replicas: int | None
    replicas_loc: Loc
    pods: list[PodSpec]
    engine: Engine | None
    engine_container: Container | None
    model: ModelRef
    loc: Loc
    origin: str  # file, or chart@values-set
    annotations: dict[str, str] = field(default_factory=dict)
    services: list[Related] = field(default_factory=list)
    autoscalers: list[Related] = field(default_factory=list)  # HPA, KEDA ScaledObject, KServe bounds
    disruption_budgets: list[Related] = field(default_factory=list)
    exposures: list[Related] = field(default_factory=list)  # what reaches the pods from outside: LoadBalancer, NodePort, Ingress, HTTPRoute
    monitors: list[Related] = field(default_factory=list)  # ServiceMonitor, PodMonitor, PodMonitoring, scrape annotations
    min_replicas: Value | None = None
    max_replicas: Value | None = None
    max_surge: Value | None = None  # extra pods (or groups) a rolling update starts before stopping old ones
    # the model an operator CR claims by name (llmaz's modelClaim: the OpenModel its loader fetches), where
    # the pods' own engine arguments may name another
    claimed_model: Value | None = None
    secrets: list[Related] = field(default_factory=list)  # Secrets the containers read (env secretKeyRef, envFrom)
    # the PersistentVolumeClaims its pods mount, the PersistentVolumes bound to them, the StorageClasses they name
    storage: list[Related] = field(default_factory=list)
    declared_loading: str | None = None  # a ModelSpec's model.loading for it: runtime-pull, baked-image, storage-mount
    injected_probes: str | None = None  # why an operator adds probes the files do not spell out (KubeRay)
    pod_labels: dict[str, str] = field(default_factory=dict)
    pod_annotations: dict[str, str] = field(default_factory=dict)
    resolved: ResolvedModel | None = None  # the model's architecture and where it was learnt
    gpu: Gpu | None = None  # the GPU it is scheduled on, when the files tell
    typical_tokens: int | None = None  # prompt + response of a typical request (p50), as a ModelSpec's load profile states
    memory: dict[str, Any] | None = None  # the memory fit's figures (checks/_fit.memory), set by the pipeline for the report
    # its GPUs' monthly cost, a normalize.cost.Cost (typed loosely: cost.py builds on this module, not the reverse)
    cost: Any = None
    traits: Traits = field(default_factory=Traits)  # its kind's, from normalize/kinds/
    # why the operator, not the files, sizes the pods (KubeAI resource profiles, KAITO instance types): GPU
    # counts and cpu/memory requests absent from the files prove nothing
    resources_by_operator: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def id(self) -> str:
        """Its id in every output, finding subject and plan: kind/namespace/name@origin (origin: the file, or chart@values-set)."""
        return subject_id(self.ref, self.origin)

    def containers(self) -> Iterator[tuple[PodSpec, Container]]:
        for pod in self.pods:
            yield from ((pod, c) for c in pod.containers)

    def pod_of(self, c: Container) -> PodSpec:
        return next(p for p, cc in self.containers() if cc is c)

    def gpus_per_node(self) -> int:
        """The most accelerators one pod asks for: a pod runs on one node, so its host must have that many."""
        return max((sum(limit or request for _res, limit, request in (c.gpu() or ("", 0, 0) for c in pod.containers))
                    for pod in self.pods), default=0)

    def gpus_per_group(self) -> int:
        """Accelerators across one serving group: every container of every pod template × its pod count."""
        total = 0
        for pod in self.pods:
            gpus = [c.gpu() or ("", 0, 0) for c in pod.containers]
            total += sum(limit or request for _res, limit, request in gpus) * pod.count
        return total

    @property
    def owns_pods(self) -> bool:
        return self.traits.owns_pods

    @property
    def completed_by_operator(self) -> bool:
        return self.traits.completed_by_operator

    @property
    def template_only(self) -> bool:
        return self.traits.template_only

    @property
    def managed_service(self) -> bool:
        return self.traits.managed_service

    @property
    def partial(self) -> bool:
        return self.traits.partial

    def gpu_type(self) -> tuple[str, dict[str, Any]] | None:
        """The GPU model node selection picks, as the GPU table names it, with its facts; None when none is named."""
        return next((named for pod in self.pods for _label, _value, named in pod.selected_gpus()), None)

    @property
    def serving(self) -> bool:
        """Checks about model serving apply: an engine was recognised, or accelerators are requested by a workload
        that keeps running (a Job's GPUs train or run a batch, unless an engine is what it starts)."""
        return (self.engine is not None and self.engine.name != "other") or (not self.traits.batch and self.gpus_per_group() > 0)
