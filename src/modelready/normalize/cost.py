"""What a serving deployment's GPUs cost per month: GPUs per replica × replicas × USD per GPU-hour × 730 h.

Replicas at three points: the minimum (the workload's replicas, or its autoscaler's minimum), the
expected steady state (the minimum, unless a ModelSpec's slo.loadProfile gives steady and peak request
rates: the autoscaler's range scaled by their ratio), and the most an autoscaler allows (HPA, KEDA,
Knative, KServe; None when nothing bounds it). The GPU is the one the memory fit uses (resolve.py sets
`d.gpu` through accelerator.gpu_of); spot when node selectors, required node affinity or the Karpenter
NodePool a pod selects ask for spot capacity only (Karpenter, EKS, GKE, AKS labels; a toleration or a
mixed requirement only allows it: priced on-demand, noted). The price is the team's own (.modelready.yaml cost.prices),
else the dated table (data/gpu_prices.yaml); with no GPU type or no price, the GPU-hours stand alone and
the cost says why, never a guessed dollar figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from .. import data
from ..findings import Loc
from .model import Deployment, as_int

if TYPE_CHECKING:
    from ..config import CostConfig
    from .karpenter import Pool
    from .specs import SpecView

HOURS_PER_MONTH = 730  # 8,760 h / 12, as cloud price pages and Infracost count a month
# node labels that select spot (or preemptible) capacity, and the value that means spot
SPOT_LABELS = {"karpenter.sh/capacity-type": "spot", "eks.amazonaws.com/capacityType": "spot", "cloud.google.com/gke-spot": "true",
               "cloud.google.com/gke-preemptible": "true", "kubernetes.azure.com/scalesetpriority": "spot",
               "node.kubernetes.io/lifecycle": "spot"}
KEDA_MAX_DEFAULT = 100  # ScaledObject maxReplicaCount when unset (KEDA docs)


@dataclass(frozen=True)
class Price:
    usd_per_gpu_hour: float
    capacity: str  # on-demand | spot
    cloud: str
    region: str
    source: str
    label: str = ""  # short, for messages: "AWS us on-demand list price (2026-12-06)" or the team's own

    def as_dict(self) -> dict[str, Any]:
        return {"usd_per_gpu_hour": self.usd_per_gpu_hour, "capacity": self.capacity, "cloud": self.cloud, "region": self.region,
                "source": self.source}


@dataclass
class Cost:
    gpu: str | None  # the GPU table's name, None when the files do not tell
    gpu_source: str | None
    gpus_per_replica: int
    min: int
    expected: int
    max: int | None  # None: no upper bound
    expected_basis: str
    max_basis: str
    capacity: str = "on-demand"  # what is priced: on-demand | spot
    capacity_source: str | None = None  # the selector asking for spot, or a toleration allowing it
    spot_allowed: bool = False  # a toleration or a mixed capacity requirement lets it land on spot
    price: Price | None = None
    why_no_price: str | None = None
    autoscaled: bool = False
    max_loc: Loc | None = None
    budget: float | None = None  # ModelSpec cost.monthlyBudget, USD
    budget_loc: Loc | None = None
    target_per_1m_tokens: float | None = None  # ModelSpec cost.targetPer1MTokens, USD per 1M output tokens
    spec_file: str | None = None
    notes: list[str] = field(default_factory=list)
    alternatives: dict[str, Price] = field(default_factory=dict)  # other GPUs priced at the same cloud, region and capacity

    def gpu_hours(self, replicas: int | None) -> int | None:
        return None if replicas is None else self.gpus_per_replica * replicas * HOURS_PER_MONTH

    def usd(self, replicas: int | None) -> float | None:
        hours = self.gpu_hours(replicas)
        return None if hours is None or self.price is None else round(hours * self.price.usd_per_gpu_hour, 2)

    def replica_usd_per_hour(self) -> float | None:
        return None if self.price is None else self.gpus_per_replica * self.price.usd_per_gpu_hour

    def as_dict(self) -> dict[str, Any]:
        points = {"min": self.min, "expected": self.expected, "max": self.max}
        return {"gpu": self.gpu, "gpu_source": self.gpu_source, "gpus_per_replica": self.gpus_per_replica,
                "replicas": {**points, "unbounded": self.max is None, "expected_basis": self.expected_basis, "max_basis": self.max_basis},
                "gpu_hours_per_month": {k: self.gpu_hours(v) for k, v in points.items()},
                "usd_per_month": {k: self.usd(v) for k, v in points.items()} if self.price else None,
                "capacity": self.capacity, "capacity_source": self.capacity_source, "spot_allowed": self.spot_allowed,
                "price": self.price.as_dict() if self.price else None,
                # every cost names where its price came from, or why it has none
                "price_source": self.price.source if self.price else f"none: {self.why_no_price}",
                "budget_usd_per_month": self.budget, "target_usd_per_1m_tokens": self.target_per_1m_tokens, "notes": list(self.notes)}


def attach(deployments: list[Deployment], spec_views: list["SpecView"], config: "CostConfig", guard=None,  # type: ignore[no-untyped-def]
           objects: list[Any] = ()) -> None:  # type: ignore[assignment]
    """Set `d.cost` on every serving deployment that asks for accelerators (templates name no replicas).
    `objects`: the files' Kubernetes objects, for the Karpenter NodePools a deployment selects by name."""
    from contextlib import nullcontext

    from .karpenter import pools as pools_of

    spec_of = {id(d): v for v in spec_views for d in v.deployments}
    pools = pools_of(objects)
    for d in deployments:
        if not d.serving or d.template_only or d.gpus_per_group() <= 0:
            continue
        with (guard(d) if guard else nullcontext()):
            d.cost = of(d, config, spec_of.get(id(d)), pools)


def of(d: Deployment, config: "CostConfig", spec: "SpecView | None" = None, pools: "dict[str, Pool] | None" = None) -> Cost:
    low, high, high_basis, autoscaled, high_loc = _bounds(d)
    high, high_basis = _pool_cap(d, pools or {}, low, high, high_basis)
    expected, basis = _expected(low, high, autoscaled, spec)
    capacity, capacity_source, allowed = _capacity(d, pools or {})
    g = d.gpu
    c = Cost(g.name if g else None, g.source if g else None, d.gpus_per_group(), low, expected, high, basis, high_basis,
             capacity, capacity_source, allowed, autoscaled=autoscaled, max_loc=high_loc)
    if g is None:
        c.why_no_price = "the GPU type is not named (no GPU node selector, node affinity, instance type or ModelSpec hardware.gpu.type)"
    elif g.name.startswith("MIG "):  # a slice: its share of the whole GPU's price, and no whole card to swap it for
        c.price, c.why_no_price = mig_price(d, g.name, capacity, config, pools or {})
        c.notes.append(f"GPU-hours count {g.name} slices, each priced at its share of the GPU")
    else:
        _whole(c, g.name, d.gpus_per_node(), config)
    if allowed and capacity == "on-demand":
        c.notes.append(f"may run on spot ({capacity_source}): priced on-demand, the upper bound")
    if spec is not None:
        _targets(c, spec)
    return c


def _whole(c: Cost, gpu: str, per_node: int, config: "CostConfig") -> None:
    """Whole GPUs: priced on a host holding a pod's GPUs, with the other cards at that host size to compare."""
    c.price, c.why_no_price = price_of(gpu, c.capacity, config, per_node)
    if c.price is not None:
        c.alternatives = {n: p for n, p in table_gpus(config, c.capacity, per_node).items() if n != gpu}
    elif c.why_no_price and "price for a host with" in c.why_no_price:
        c.notes.append(c.why_no_price)  # the table is too small for this pod: said, not guessed


def _targets(c: Cost, spec: "SpecView") -> None:
    """The ModelSpec's cost.monthlyBudget and cost.targetPer1MTokens, where they are numbers."""
    c.spec_file = spec.file
    budget, target = spec.get("cost", "monthlyBudget"), spec.get("cost", "targetPer1MTokens")
    if _number(budget):
        c.budget, c.budget_loc = float(budget), spec.loc("cost", "monthlyBudget")
    if _number(target):
        c.target_per_1m_tokens = float(target)


def price_of(gpu: str, capacity: str, config: "CostConfig", gpus: int = 1) -> tuple[Price | None, str | None]:
    """The team's price for `gpu`, else the table's at the configured cloud and region class: the cheapest per GPU
    among the hosts with at least `gpus` GPUs (a pod's GPUs are on one node; a 4-GPU host costs more per GPU)."""
    key = "spot" if capacity == "spot" else "on_demand"
    own = _own(gpu, config)
    if own is not None and key in own:
        label = config.source or f"cost.prices.{gpu}"
        return Price(own[key], capacity, config.cloud, config.region, f"{config.where or '.modelready.yaml'}: {label}", f"{label} (config)"), None
    if config.cloud == "on-prem":
        return None, f"cost.prices names no on-premises price for {gpu}"
    table = data.gpu_prices()
    entry = ((table.get("prices") or {}).get(gpu) or {}).get(config.cloud, {}).get(config.region) or {}
    if key not in entry:
        return None, _unpriced(table, gpu, capacity, config, entry)
    host, n, sizes = _host(entry, key, gpus)
    where = f"{config.cloud} {config.region}"
    if host is None:
        return None, (f"the price table ({table['date']}) has no {where} {capacity} price for a host with {gpus} × {gpu} (its "
                      f"{capacity} hosts have {', '.join(map(str, sizes)) or 'no'} GPUs): a pod's GPUs share one node, so no price is assumed")
    on = f"{'an' if str(n).startswith(('8', '11', '18')) else 'a'} {n}-GPU host, " if n else ""
    return (Price(float(host[key]), capacity, config.cloud, config.region,
                  f"{_source(table, config.cloud)}, {where} {capacity} ({on}{', '.join(host.get('instances', []))}), {table['date']}",
                  f"{config.cloud.upper()} {config.region} {capacity} list price of {table['date']}"),
            None)


def _host(entry: dict[str, Any], key: str, gpus: int) -> tuple[dict[str, Any] | None, int | None, list[int]]:
    """The table's cheapest price per GPU among hosts of `gpus` GPUs or more (by_host), the host's GPU count and
    the sizes the table knows; an entry without by_host is one price for any host."""
    hosts = entry.get("by_host")
    if not isinstance(hosts, dict):
        return entry, None, []
    fits = sorted((float(h[key]), int(n)) for n, h in hosts.items() if int(n) >= gpus and key in h)
    if not fits:
        return None, None, sorted(int(n) for n, h in hosts.items() if key in h)
    n = fits[0][1]
    return hosts.get(n) or hosts.get(str(n)), n, []


def _unpriced(table: dict[str, Any], gpu: str, capacity: str, config: "CostConfig", entry: dict[str, Any]) -> str:
    share = (((table.get("vm_share") or {}).get(config.cloud) or {}).get(gpu) or {}).get(config.region)
    more = ""
    if entry.get("gpu_only") and not share:  # GCP: the GPU is priced apart from its VM, and the VM's part is missing
        more = f" ({config.cloud} prices the VM apart: the table has the GPU's own price only, not its VM's share)"
    elif share:
        more = f" ({config.cloud} prices the VM apart: the table has the VM's share only, not the GPU's own price)"
    return f"the price table ({table['date']}) has no {capacity} price for {gpu} on {config.cloud} {config.region}{more}"


def _source(table: dict[str, Any], cloud: str) -> str:
    """The catalogue file a cloud's prices came from, at its commit, and whether it was the whole file."""
    read = (table.get("read") or {}).get(cloud) or {}
    commit = str(read.get("commit") or "")
    at = f" @{commit[:7]}" if len(commit) == 40 else ""
    return str(read.get("source") or table["source"]) + at + (" (an excerpt)" if read.get("whole_file") is False else "")


def mig_price(d: Deployment, name: str, capacity: str, config: "CostConfig", pools: "dict[str, Pool]") -> tuple[Price | None, str | None]:
    """A MIG slice (nvidia.com/mig-3g.40gb) at its share of the GPU it is cut from: the larger of its compute
    slices of 7 and its memory of the GPU's. The GPU is the one the node selectors name, else the only one
    offering the profile (data/mig_profiles.yaml); a profile several GPUs offer, with nothing naming one, has no price."""
    from .accelerator import labelled, pooled

    profile = name.removeprefix("MIG ")
    offers = sorted(gpu for gpu, profiles in data.mig_profiles().items() if profile in profiles)
    named = labelled(d) or pooled(d, pools)
    parent = named.name if named is not None and named.name in offers else offers[0] if len(offers) == 1 else None
    if parent is None:
        why = (f"the MIG profile {profile} is cut from {' or '.join(offers)}: no node selector or affinity names which" if offers
               else f"no GPU in data/mig_profiles.yaml offers the MIG profile {profile}")
        return None, why
    whole, why_not = price_of(parent, capacity, config)
    if whole is None:
        return None, why_not
    share, said = _mig_share(profile, parent)
    told = named.source if named is not None and named.name == parent else "the only GPU offering it"
    return (Price(round(whole.usd_per_gpu_hour * share, 4), capacity, whole.cloud, whole.region, f"{said}; {told}), at {whole.source}",
                  f"{share:.3g} × {whole.label}"), None)


def _mig_share(profile: str, parent: str) -> tuple[float, str]:
    """A slice's share of its GPU, and how it was reckoned: the larger of its compute slices of 7 and its memory."""
    slices, gb = (int(x) for x in profile.removesuffix("gb").split("g."))
    memory = float((data.gpus().get(parent) or {}).get("memory_gib") or 0)
    share = min(1.0, max(slices / 7, gb / memory if memory else 0.0))
    return share, f"{share:.3g} of {parent} ({profile}: {slices} of 7 compute slices, {gb} of {memory:g} GB"


def table_gpus(config: "CostConfig", capacity: str = "on-demand", gpus: int = 1) -> dict[str, Price]:
    """Every GPU with a price at the configured cloud and region, on a host of `gpus` GPUs or more: the cards a
    cheaper choice is sought among."""
    names = set((data.gpu_prices().get("prices") or {})) | set(config.prices)
    out = {}
    for name in names:
        p, _ = price_of(name, capacity, config, gpus)
        if p is not None:
            out[name] = p
    return out


def _own(gpu: str, config: "CostConfig") -> dict[str, float] | None:
    named = data.gpu_by_name(gpu)
    for k, v in config.prices.items():
        if k.lower() == gpu.lower() or (named and data.gpu_by_name(k) and data.gpu_by_name(k)[0] == named[0]):  # type: ignore[index]
            return v
    return None


def _bounds(d: Deployment) -> tuple[int, int | None, str, bool, Loc | None]:
    """(minimum, maximum or None when unbounded, how the maximum was told, autoscaled, where the maximum is)."""
    kinds = {a.kind for a in d.autoscalers}
    knative = d.api_version.startswith("serving.knative.dev/") or (d.kind == "InferenceService" and not _raw_mode(d))
    autoscaled = bool(d.autoscalers) or d.max_replicas is not None or knative
    base = d.replicas if d.replicas is not None else 1
    if not autoscaled:
        return base, base, "replicas (no autoscaler)", False, d.replicas_loc
    lo = _minimum(d, kinds, base)
    hi_v = d.max_replicas
    hi = as_int(hi_v.value) if hi_v is not None else None
    if hi_v is not None and hi is not None and hi > 0:
        return lo, max(hi, lo), f"maxReplicas {hi}", True, hi_v.loc
    if hi_v is not None and hi == 0:
        return lo, None, "a maximum of 0: no upper bound", True, hi_v.loc
    if "ScaledObject" in kinds:
        return lo, max(KEDA_MAX_DEFAULT, lo), f"KEDA's default maxReplicaCount {KEDA_MAX_DEFAULT} (none set)", True, d.autoscalers[0].loc
    if knative and d.kind == "InferenceService":
        return (lo, None, "no maxReplicas: in KServe's Serverless mode (assumed: no serving.kserve.io/deploymentMode annotation) "
                "Knative sets no upper bound", True, d.loc)
    if knative:
        return lo, None, "no max-scale: Knative's default sets no upper bound", True, d.loc
    return lo, None, "no maxReplicas", True, d.autoscalers[0].loc if d.autoscalers else d.loc


def _pool_cap(d: Deployment, pools: "dict[str, Pool]", low: int, high: int | None, basis: str) -> tuple[int | None, str]:
    """A Karpenter NodePool's accelerator limit bounds what an autoscaler gets on it: at most limit // GPUs per replica."""
    from .karpenter import pool_of

    per = d.gpus_per_group()
    pool = pool_of(d.pods[0], pools) if d.pods and per > 0 else None
    if pool is None or pool.gpu_limit is None:
        return high, basis
    res, limit = pool.gpu_limit
    most = max(low, limit // per)
    if high is not None and high <= most:
        return high, basis
    return most, f"Karpenter NodePool {pool.name} limits {res} to {limit}: at most {most} replicas of {per}"


def _minimum(d: Deployment, kinds: set[str], base: int) -> int:
    """The autoscaler's minimum; unset, KEDA's and Knative's default 0, else the workload's replicas."""
    lo = as_int(d.min_replicas.value) if d.min_replicas is not None else None
    if lo is not None:
        return lo
    return 0 if ("ScaledObject" in kinds or d.api_version.startswith("serving.knative.dev/")) else base


def _raw_mode(d: Deployment) -> bool:
    return str(d.annotations.get("serving.kserve.io/deploymentMode", "")).lower() in ("rawdeployment", "standard")


def _expected(low: int, high: int | None, autoscaled: bool, spec: "SpecView | None") -> tuple[int, str]:
    if not autoscaled or high is None or high == low:
        return low, "the minimum" if autoscaled else "replicas"
    steady = spec.get("slo", "loadProfile", "steadyRps") if spec is not None else None
    peak = spec.get("slo", "loadProfile", "peakRps") if spec is not None else None
    if isinstance(steady, (int, float)) and isinstance(peak, (int, float)) and _number(steady) and _number(peak) and peak > 0:
        n = min(high, max(low, math.ceil(high * float(steady) / float(peak))))
        return n, f"steady {steady:g} of peak {peak:g} requests/s ({spec.file} slo.loadProfile) × {high} replicas at peak"  # type: ignore[union-attr]
    return low, "the minimum (no ModelSpec slo.loadProfile with steadyRps and peakRps)"


def _capacity(d: Deployment, pools: "dict[str, Pool]") -> tuple[str, str | None, bool]:
    """("spot" when every pod must land on spot capacity, else "on-demand"; what says so; spot allowed)."""
    from .karpenter import pool_of

    required, allowed = None, None
    for pod in d.pods:
        for req, may in (_pool_capacity(pool_of(pod, pools)), _pod_capacity(pod)):
            required, allowed = required or req, allowed or may
    if required:
        return "spot", required, True
    return "on-demand", allowed, bool(allowed)


def _pod_capacity(pod: Any) -> tuple[str | None, str | None]:
    """(required, allowed) from a pod's node selector, required node affinity and tolerations."""
    required, allowed = None, None
    for key, value in pod.node_selector.items():
        if _is_spot(key, value):
            required = required or f"nodeSelector {key}={value}"
    for key, values in _required(pod.affinity):
        spot = [v for v in values if _is_spot(key, v)]
        if spot and len(spot) == len(values):
            required = required or f"node affinity {key} in {values}"
        elif spot:
            allowed = allowed or f"node affinity {key} in {values}"
    for t in pod.tolerations or []:
        if isinstance(t, dict) and str(t.get("key")) in SPOT_LABELS:
            allowed = allowed or f"toleration {t.get('key')}"
    return required, allowed


def _pool_capacity(pool: "Pool | None") -> tuple[str | None, str | None]:
    """(required, allowed): what the Karpenter NodePool a pod lands on says of spot (karpenter.sh/capacity-type)."""
    types = [v.lower() for v in (pool.values("karpenter.sh/capacity-type") or ())] if pool is not None else []
    if pool is None or "spot" not in types:
        return None, None
    where = f"Karpenter NodePool {pool.name} requires karpenter.sh/capacity-type in {types}"
    return (where, None) if types == ["spot"] else (None, where)


def _is_spot(key: str, value: object) -> bool:
    want = SPOT_LABELS.get(key)
    return want is not None and str(value).lower() in (want, "preemptible" if want == "spot" else want)


def _map(x: object) -> dict[str, Any]:
    """A mapping field as written, or empty when it is of another type (`nodeAffinity: 5`)."""
    return x if isinstance(x, dict) else {}


def _list(x: object) -> list[Any]:
    return x if isinstance(x, list) else []


def _required(affinity: dict[str, Any] | None) -> Iterator[tuple[str, list[str]]]:
    req = _map(_map(_map(affinity).get("nodeAffinity")).get("requiredDuringSchedulingIgnoredDuringExecution"))
    for term in _list(req.get("nodeSelectorTerms")):
        for expr in _list(_map(term).get("matchExpressions")):
            if isinstance(expr, dict) and expr.get("operator") == "In" and isinstance(expr.get("values"), list):
                yield str(expr.get("key")), [str(v) for v in expr["values"]]


def _number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


def per_token(tokens_per_s: float | None, gpus: int, gpu_name: str | None, deployment: Deployment | None,
              config: "CostConfig") -> dict[str, Any] | None:
    """USD per 1M output tokens at a smoke run's measured throughput: the GPUs it ran on (their price at the
    configured cloud and region), else the deployment's own; held against the ModelSpec's cost.targetPer1MTokens."""
    if not tokens_per_s or tokens_per_s <= 0:
        return None
    c = deployment.cost if deployment is not None else None
    named = data.gpu_by_name(gpu_name.replace(" ", "-")) if gpu_name else None
    price, n, on = None, gpus, None
    if named is not None and gpus > 0:
        price, _ = price_of(named[0], "on-demand", config, gpus)
        on = named[0]
    if price is None and c is not None and c.price is not None:
        price, n, on = c.price, c.gpus_per_replica, c.gpu
    if price is None or not n:
        return None
    hourly = n * price.usd_per_gpu_hour
    usd = round(hourly / (tokens_per_s * 3600) * 1_000_000, 4)
    target = c.target_per_1m_tokens if c is not None else None
    return {"usd_per_1m_output_tokens": usd, "output_tokens_per_s": tokens_per_s, "usd_per_replica_hour": round(hourly, 4),
            "gpus": f"{n} × {on}", "target_usd_per_1m_tokens": target, "over_target": None if target is None else usd > target,
            "price_source": price.source}
