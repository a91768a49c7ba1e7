"""Launchers start the target and always tear it down: a local process group, or a docker container.

Both answer the same three questions the run asks while it waits: is it alive, how did it exit, what
did it last print. Secrets are passed from the runner's environment by name and never written out."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Any

from .target import Target

LABEL = "io.modelready.smoke"


def secret_values(target: Target, environ: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The manifest's secretKeyRef env vars, filled from the runner's environment; the names missing there."""
    found = {k: environ[k] for k in target.secret_env if k in environ}
    return found, [k for k in target.secret_env if k not in environ]


class ProcessLauncher:
    """For runners where the engine is installed: the argv runs in its own session, so the whole
    process tree (engine workers included) is signalled together and nothing outlives the run."""

    name = "process"
    host_port = None  # the engine's own port, on this machine

    def __init__(self, log_path: Path, environ: dict[str, str] | None = None):
        self.log_path = log_path
        self.environ = dict(os.environ if environ is None else environ)
        self.proc: subprocess.Popen[bytes] | None = None
        self.missing_secrets: list[str] = []

    def start(self, target: Target) -> str:
        argv = target.process_argv()
        secrets, self.missing_secrets = secret_values(target, self.environ)
        env = {**self.environ, **target.env, **secrets}
        self._log = self.log_path.open("wb")
        try:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        except OSError as e:
            self._log.close()
            raise LaunchError(f"cannot start {argv[0]}: {e.strerror or e}") from None
        return f"pid {self.proc.pid}"

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def logs(self, lines: int = 20) -> list[str]:
        try:
            with self.log_path.open("rb") as f:
                return [ln.decode("utf-8", "replace").rstrip() for ln in deque(f, maxlen=lines)]
        except OSError:
            return []

    def stop(self, grace: float = 10.0) -> str:
        """SIGTERM to the process group, SIGKILL after `grace` seconds; then no member is left."""
        if self.proc is None:
            return "not started"
        how = "exited before teardown"
        if self.proc.poll() is None:
            how = _signal_group(self.proc, grace)
        # members of the group can outlive the leader (engine workers): make sure none is left
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()
        if not _group_gone(self.proc.pid, 5.0):
            how += f"; processes of group {self.proc.pid} still present after SIGKILL"
        return how


def _group_gone(pgid: int, within: float) -> bool:
    """Killed members are reaped by their new parent a moment later: wait for that, briefly."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _signal_group(proc: "subprocess.Popen[bytes]", grace: float) -> str:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return "exited before teardown"
    try:
        proc.wait(grace)
        return f"stopped by SIGTERM (exit {proc.returncode})"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return f"killed after {grace:g} s (SIGKILL)"


class DockerLauncher:
    """Through the docker SDK: GPUs as a device request for the count the manifest asks, /dev/shm size,
    the engine port published on loopback only, labelled so a crashed run's container can be found."""

    name = "docker"

    def __init__(self, client: Any = None, environ: dict[str, str] | None = None, pull: bool = True, host_port: int | None = None) -> None:
        import docker  # type: ignore[import-untyped]  # only `modelready smoke --launcher docker` pays for the docker SDK

        self.docker = docker
        self.client = client or docker.from_env()
        self.environ = dict(os.environ if environ is None else environ)
        self.pull = pull
        self.host_port = host_port
        self.container: Any = None  # a docker Container, once started
        self.missing_secrets: list[str] = []

    def start(self, target: Target) -> str:
        from docker.errors import DockerException, ImageNotFound  # type: ignore[import-untyped]

        if not target.image:
            raise LaunchError(f"{target.subject}: no image to run: give --image")
        secrets, self.missing_secrets = secret_values(target, self.environ)
        try:
            try:
                self.client.images.get(target.image)
            except ImageNotFound:
                if not self.pull:
                    raise LaunchError(f"image {target.image} is not present and pulling is off") from None
                repo, _, tag = target.image.rpartition(":") if ":" in target.image.rsplit("/", 1)[-1] else (target.image, "", "latest")
                self.client.images.pull(repo, tag=tag)
            requests = [self.docker.types.DeviceRequest(count=target.gpus, capabilities=[["gpu"]])] if target.gpus else None
            self.container = self.client.containers.run(
                target.image, command=target.args or None, entrypoint=target.command or None, detach=True,
                environment={**target.env, **secrets}, device_requests=requests,
                shm_size=target.shm_bytes, ports={f"{target.port}/tcp": ("127.0.0.1", self.host_port or target.port)},
                labels={LABEL: target.name},
            )
        except DockerException as e:
            raise LaunchError(f"docker: {e}") from None
        return f"container {self.container.short_id}"

    def exit_code(self) -> int | None:
        if self.container is None:
            return None
        self.container.reload()
        state = self.container.attrs.get("State") or {}
        return None if state.get("Running") else int(state.get("ExitCode", -1))

    def logs(self, lines: int = 20) -> list[str]:
        if self.container is None:
            return []
        try:
            text: str = self.container.logs(tail=lines).decode("utf-8", "replace")
            return text.splitlines()
        except self.docker.errors.DockerException:
            return []

    def stop(self, grace: float = 10.0) -> str:
        if self.container is None:
            return "not started"
        try:
            self.container.stop(timeout=int(grace))
            how = f"stopped (grace {grace:g} s)"
        except self.docker.errors.NotFound:
            how = "already gone"
        try:
            self.container.remove(force=True)
        except self.docker.errors.NotFound:
            pass
        return how + ", removed"


class LaunchError(Exception):
    pass

