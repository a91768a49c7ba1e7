"""Where an engine container keeps model weights: the paths it reads or caches them at (shared by the
weights-on-host-path and weights-downloaded-every-start checks)."""

from __future__ import annotations

from ..normalize.model import Container, Deployment

CACHE_ENV = ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "VLLM_CACHE_ROOT", "MODEL_DIR", "MODEL_PATH")
DEFAULT_CACHES = ("/root/.cache", "/home/vllm/.cache", "/.cache", "/data", "/models", "/model", "/mnt/models")
PERSISTENT = ("persistentVolumeClaim", "hostPath", "nfs", "csi", "ephemeral", "iscsi", "cephfs", "glusterfs", "azureFile", "gcePersistentDisk",
              "awsElasticBlockStore", "image")


def weight_paths(d: Deployment) -> list[str]:
    """Paths under which the engine reads or caches weights: the model path, --download-dir, cache env, defaults."""
    c = d.engine_container
    paths: list[str] = []
    if d.model.id and d.model.id.startswith("/"):
        paths.append(d.model.id)
    for flag in ("--download-dir", "--huggingface-cache-dir"):
        v = d.engine.flags.get(flag) if d.engine else None
        if v is not None and isinstance(v.value, str):
            paths.append(v.value)
    env = c.env_map() if c is not None else {}
    paths += [p for k in CACHE_ENV if k in env and (p := env[k].value) and p.startswith("/")]
    return paths + list(DEFAULT_CACHES)


def mounts_under(c: Container, paths: list[str]) -> list[tuple[str, str]]:
    """(mount path, volume name) of the container's mounts that hold one of `paths`."""
    out = []
    for mount, vol in c.mounts.items():
        m = mount.rstrip("/") or "/"
        if m == "/dev/shm":
            continue
        if any(p == m or p.startswith(m + "/") or m.startswith(p.rstrip("/") + "/") for p in paths):
            out.append((mount, vol))
    return out
