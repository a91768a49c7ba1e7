"""Kinds that never run pods, even where they embed pod-like maps: nothing to read as a deployment."""

from __future__ import annotations

from . import Kind

_NAMES = ("CustomResourceDefinition", "ConfigMap", "Secret", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
          "ServiceMonitor", "PodMonitor", "PodMonitoring", "ClusterPodMonitoring", "ScaledObject", "Role", "ClusterRole", "RoleBinding",
          "ClusterRoleBinding", "ServiceAccount", "Ingress", "NetworkPolicy", "PersistentVolumeClaim", "PersistentVolume",
          "PodAutoscaler", "InferencePool", "InferenceModel", "InferenceObjective", "HTTPRoute", "GRPCRoute", "Gateway", "IngressRoute",
          "Namespace", "StorageClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "PriorityClass",
          "List", "Kustomization", "APIService", "Route", "LimitRange", "ResourceQuota", "Endpoints", "EndpointSlice")

KINDS = [Kind(name, None, None, creates_pods=False) for name in _NAMES]
