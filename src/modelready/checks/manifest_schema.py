"""
## What it does
Validates every manifest of a built-in kind against the Kubernetes API's OpenAPI schema of one release
(`kubernetes_version` in `.modelready.yaml`, 1.35 by default), the strict schemas `kubernetes-validate`
ships: unknown fields, wrong types and missing required fields, each at its line. A required field is said
only where the API server refuses the object without it (a Deployment's `spec.selector`, a container's `name`, a
Service port's `port`, an Ingress path's `pathType`: `data/k8s_required.yaml`), never one it defaults (a
RoleBinding's `roleRef.apiGroup`), nor under `status`, nor on an object that is not whole: a kustomize patch, a
file named as a patch, or a resource kustomize transforms before applying (read as written when the overlay is not
rendered; a rendered overlay and a rendered chart are whole). Custom resources modelready reads
(LeaderWorkerSet, KServe InferenceService and ServingRuntime, KubeRay RayService and RayCluster, Knative
Service, NIMService and NIMCache, KAITO Workspace, KubeAI Model, the Gateway API Inference Extension's
InferencePool, InferenceObjective and InferenceModel that llm-d deploys) are validated against the
schemas of their operators' published CRDs, with the release named (`data/crd_schemas/SOURCES.json`);
a null is accepted there, as the API server prunes it. A field such a CRD requires and gives no default is a
warning: the operator's admission webhook may fill it in before the API server validates.

## Why it matters
`labels:` indented under `spec` instead of `metadata`, `resources:` one level too deep, `replicas: "2"`
quoted: kubectl's strict field validation refuses the object, or a tool that skips validation applies it
without the field, so the Service never selects the pods, the GPU limit is not set, the probe does not
exist. The reviewer reads a field the cluster never sees.
A Deployment ported from `extensions/v1beta1` without a `selector`, an env item split from its name by a
stray `-`, an Ingress path without `pathType`: `kubectl apply` fails (`spec.selector: Required value`) and
the rollout never starts.

## Example
```yaml
spec:
  template:
    spec:
      labels: {app: vllm}     # belongs under template.metadata
      containers: [{name: vllm, image: "vllm/vllm-openai:v0.10.2", resources: {limit: {nvidia.com/gpu: 1}}}]
```

## Instead
```yaml
spec:
  template:
    metadata: {labels: {app: vllm}}
    spec:
      containers: [{name: vllm, image: "vllm/vllm-openai:v0.10.2", resources: {limits: {nvidia.com/gpu: 1}}}]
```

## References
- kubernetes-validate (the schemas): https://github.com/willthames/kubernetes-validate
- Server-side field validation: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
- The API server's validation of required fields: https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/validation/validation.go
"""

from __future__ import annotations

from ..findings import Severity
from . import Check
from .pipeline_findings import _none

# Raised by the pipeline (scan/schema.py) over every object read; declared here for the catalog, rules and suppressions.
CHECKS = [Check("manifest-schema-invalid", Severity.error, ("manifests-render",), __doc__, "every manifest matches the Kubernetes API schema",
                "a manifest has a field the Kubernetes API does not know or of the wrong type, or lacks one it requires", _none, applies=lambda d: False, scope="pipeline")]
