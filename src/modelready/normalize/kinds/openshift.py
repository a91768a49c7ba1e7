"""OpenShift: a Template is unwrapped by the loader (load/openshift.py: its objects, parameter defaults
substituted), so it is never read itself; a DeploymentConfig (apps.openshift.io) owns its pods like a
Deployment."""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Traits, as_int
from ..pods import labels, m, read_pod
from . import Group, Kind, Near


def _deployment_config(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    tmpl = m(spec.get("template"))
    pod = read_pod(obj, "main", 1, m(tmpl.get("spec")), where="spec.template.spec")
    return [Group([pod], as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas"), pod_labels=labels(tmpl),
                  pod_annotations=labels(tmpl, "annotations"))]


KINDS = [
    Kind("Template", None, None, creates_pods=False),
    Kind("DeploymentConfig", "apps.openshift.io", _deployment_config, Traits(owns_pods=True)),
]
