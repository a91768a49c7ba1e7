"""NVIDIA NIM operator (apps.nvidia.com): `NIMService` runs a NIM container (`spec.image` repository and
tag: the image is the model and its engine) with `spec.env`, `spec.resources` and `spec.replicas`; the
operator adds probes, the Service and the cache volume (`spec.storage.nimCache`). `NIMCache` runs the
job that downloads a model's profiles (`spec.source.ngc.modelPuller`): read, but nothing there serves.
"""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Image, Traits, Value, as_int
from ..pods import env_list, m, operator_pod
from . import Group, Kind, Near


def _image(obj: K8sObject, image: YMap | str | None, where: YMap) -> Image | None:
    if isinstance(image, str):
        return Image.parse(image, obj.loc("image", at=where))
    img = m(image)
    if not img.get("repository"):
        return None
    ref = f"{img['repository']}:{img['tag']}" if img.get("tag") else str(img["repository"])
    return Image.parse(ref, obj.loc("repository", at=img))


def _nim_service(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    image = _image(obj, spec.get("image"), spec)
    if image is None:
        return []
    res = m(spec.get("resources"))
    limits = {str(k): Value(v, obj.loc("limits", k, at=res)) for k, v in m(res.get("limits")).items()}
    pod = operator_pod(obj.loc("metadata", "name"), image, [], [], env_list(obj, spec.get("env")), limits,
                       {str(k): str(v) for k, v in m(spec.get("nodeSelector")).items()}, name="nim")
    pod.containers[0].requests = {str(k): Value(v, obj.loc("requests", k, at=res)) for k, v in m(res.get("requests")).items()}
    port = m(m(spec.get("expose")).get("service")).get("port")
    if isinstance(port, int):
        pod.containers[0].ports = {"api": port}
    scale = m(spec.get("scale"))
    group = Group([pod], as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas") if "replicas" in spec else obj.loc("spec"))
    hpa = m(scale.get("hpa"))
    for key, attr in (("minReplicas", "min_replicas"), ("maxReplicas", "max_replicas")):
        if key in hpa:
            setattr(group, attr, Value(hpa[key], obj.loc(key, at=hpa)))
    return [group]


def _nim_cache(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    ngc = m(m(spec.get("source")).get("ngc"))
    image = _image(obj, ngc.get("modelPuller"), ngc)
    if image is None:
        return []
    pod = operator_pod(obj.loc("metadata", "name"), image, [], [], env_list(obj, spec.get("env")), name="nim-cache")
    return [Group([pod], None, obj.loc("spec"))]


_OPERATED = Traits(managed_service=True, partial=True, completed_by_operator=True)
KINDS = [
    Kind("NIMService", "apps.nvidia.com", _nim_service, _OPERATED, unread="spec.image names no repository"),
    Kind("NIMCache", "apps.nvidia.com", _nim_cache, Traits(partial=True), unread="spec.source.ngc.modelPuller names no image"),
]
