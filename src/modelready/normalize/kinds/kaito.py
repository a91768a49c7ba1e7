"""KAITO (kaito.sh): a `Workspace` (fields at the top level: `resource`, `inference`) or an `InferenceSet`
(`spec.template` of the same shape, `spec.replicas` copies) serves a preset model on `resource.count`
nodes of `resource.instanceType`.

A preset runs vLLM (KAITO's default runtime; the annotation `kaito.sh/runtime: transformers` picks
Hugging Face transformers instead) with the `vllm:` section of the ConfigMap `inference.config` names
(its `inference_config.yaml`) as its arguments, read at their own lines. KAITO's wrapper script passes
them to vLLM's parser; which vLLM release its image holds is not in the files. `inference.template` is
a pod template of one's own, read as such.
"""

from __future__ import annotations

from ... import data
from ...findings import Loc
from ...load.k8s import K8sObject
from ...load.yamlsrc import YamlError, YMap, load_one
from ..model import Traits, Value, as_int
from ..pods import m, operator_pod, read_pod
from . import Group, Kind, Near

_CONFIG_KEY = "inference_config.yaml"


def _workspace(obj: K8sObject, _spec: YMap, near: Near) -> list[Group]:
    return _serving(obj, obj.body, near, None, obj.loc("metadata"))


def _inference_set(obj: K8sObject, spec: YMap, near: Near) -> list[Group]:
    return _serving(obj, m(spec.get("template")), near, as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas"))


def _serving(obj: K8sObject, body: YMap, near: Near, replicas: int | None, replicas_loc: Loc) -> list[Group]:
    resource, inference = m(body.get("resource")), m(body.get("inference"))
    nodes = as_int(resource.get("count")) or 1
    selector = {"node.kubernetes.io/instance-type": str(resource["instanceType"])} if resource.get("instanceType") else {}
    if isinstance(inference.get("template"), YMap):
        pod = read_pod(obj, "main", nodes, m(inference["template"].get("spec")) or inference["template"])
        pod.node_selector = {**selector, **pod.node_selector}  # KAITO provisions nodes of the instance type for it
        return [Group([pod], replicas, replicas_loc)]
    preset = m(inference.get("preset"))
    if not preset.get("name"):
        return []
    runtime = str(obj.annotations.get("kaito.sh/runtime", "vllm"))
    model = Value(str(preset["name"]), obj.loc("name", at=preset))
    args: list[tuple[str, Loc]] = [(f"--model={preset['name']}", model.loc)] if runtime == "vllm" else []
    if runtime == "vllm" and isinstance(inference.get("config"), str):
        args += _config_args(obj, near, inference["config"])
    command = list(data.engines()["vllm"].get("image_entrypoint") or []) if runtime == "vllm" else []
    pod = operator_pod(obj.loc("metadata", "name"), None, command, args, [], node_selector=selector, name="inference")
    pod.count = nodes
    group = Group([pod], replicas, replicas_loc, model=model, partial=True,
                  more_args="KAITO's preset adds vLLM arguments of its own (dtype, parallelism, a context probed to fit the GPU)",
                  resources_by_operator=f"KAITO sizes the pods from instance type {resource.get('instanceType')!s:.40} and the preset")
    if runtime == "vllm":
        group.notes.append("KAITO presets run vLLM (its default runtime): read as vLLM, release not in the files")
    return [group]


def _config_args(obj: K8sObject, near: Near, name: str) -> list[tuple[str, Loc]]:
    """`vllm:` keys of the ConfigMap's inference_config.yaml as `--key=value` flags, each at its line."""
    cm = near.get(obj, "ConfigMap", name)
    text = m(cm.body.get("data")).get(_CONFIG_KEY) if cm is not None else None
    if cm is None or not isinstance(text, str):
        return []
    offset = m(cm.body.get("data")).lines.get(_CONFIG_KEY, 0)
    try:
        conf = load_one(text)
    except (YamlError, ValueError):
        return []
    section = conf.get("vllm") if isinstance(conf, YMap) else None
    if not isinstance(section, YMap):
        return []
    out = []
    for k, v in section.items():
        loc = Loc(cm.file, offset + section.lines.get(k, 0)) if cm.locator is None else cm.locator(offset + section.lines.get(k, 0))
        if v is True:
            out.append((f"--{k}", loc))
        elif v is not False and v is not None:
            out.append((f"--{k}={v}", loc))
    return out


_KAITO = Traits(managed_service=True, partial=True, completed_by_operator=True)
KINDS = [
    Kind("Workspace", "kaito.sh", _workspace, _KAITO, unread="neither inference.preset nor inference.template names what it serves"),
    Kind("InferenceSet", "kaito.sh", _inference_set, _KAITO, unread="spec.template.inference names no preset or template"),
]
