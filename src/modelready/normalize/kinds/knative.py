"""Knative Serving (serving.knative.dev): a Service runs one revision template's pods, scaled by Knative's
autoscaler, whose bounds are annotations (also set on a KServe InferenceService in serverless mode)."""

from __future__ import annotations

from ...load.k8s import K8sObject
from ..model import Deployment, Traits, Value
from ..pods import m
from . import Kind
from .operators import read_generic

KNATIVE_MIN = ("autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/minScale")
KNATIVE_MAX = ("autoscaling.knative.dev/max-scale", "autoscaling.knative.dev/maxScale")


def scale_bounds(obj: K8sObject, dep: Deployment) -> None:
    """min/max scale from the object's annotations or its revision template's."""
    spec = m(obj.body.get("spec"))
    meta = m(m(spec.get("template")).get("metadata"))
    places = [(obj.annotations, obj.body.get("metadata")), (m(meta.get("annotations")), meta)]
    for attr, keys in (("min_replicas", KNATIVE_MIN), ("max_replicas", KNATIVE_MAX)):
        for ann, where in places:
            key = next((k for k in keys if k in ann), None)
            if key is not None and isinstance(where, dict):
                setattr(dep, attr, Value(str(ann[key]), obj.loc("annotations", key, at=where)))
                break


KINDS = [Kind("Service", "serving.knative.dev", read_generic, Traits(managed_service=True))]
