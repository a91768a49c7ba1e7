"""The docker launcher's calls, made by the real docker SDK, against a local engine that checks each
request with the Docker Engine API description: GPUs as a device request, /dev/shm size, the port on
loopback, secrets from the runner's environment, pull when absent, stop and remove at teardown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelready import pipeline
from modelready.config import Config
from modelready.smoke import launch, run
from modelready.smoke.target import from_deployment

from .conftest import shared_or_skip

REPO = Path(__file__).resolve().parents[1]
docker = pytest.importorskip("docker")


@pytest.fixture
def engine(httpserver):
    shared_or_skip("fixtures", "docker", "engine-api-swagger.yaml")
    from .docker_server import FakeEngine

    fake = FakeEngine()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    fake.client = docker.DockerClient(base_url=f"tcp://127.0.0.1:{httpserver.port}", version=fake.version)
    return fake


def chart_target():
    result = pipeline.run([REPO / "examples" / "charts" / "vllm-llama"], Config(), REPO)
    d = next(d for d in result.deployments if d.serving and d.origin.endswith("@values.yaml"))
    return from_deployment(d)


def test_launch_inspect_logs_and_teardown(engine):
    secret = "hf_" + "S" * 34
    target = chart_target()
    launcher = launch.DockerLauncher(client=engine.client, environ={"HF_TOKEN": secret}, host_port=18000)
    handle = launcher.start(target)
    assert handle.startswith("container ")
    assert launcher.exit_code() is None  # running
    assert launcher.logs() == ["CUDA out of memory. Tried to allocate 2.00 GiB"]
    assert launcher.stop() == "stopped (grace 10 s), removed"
    assert engine.errors == []
    calls = [(m, p) for m, p, _q, _b in engine.requests]
    # absent image -> pulled by its tag; then create, start; stop and remove at teardown
    assert calls[:2] == [("GET", "/images/vllm/vllm-openai:v0.10.2/json"), ("POST", "/images/create")]
    assert engine.requests[1][2] == {"fromImage": "vllm/vllm-openai", "tag": "v0.10.2"}
    assert ("POST", "/containers/create") in calls and calls[-2:] == [("POST", f"/containers/{'0' * 63}1/stop"), ("DELETE", f"/containers/{'0' * 63}1")]
    create = next(b for m, p, _q, b in engine.requests if p == "/containers/create")
    host = create["HostConfig"]
    assert host["DeviceRequests"] == [{"Driver": "", "Count": 1, "DeviceIDs": [], "Capabilities": [["gpu"]], "Options": {}}]
    assert host["ShmSize"] == 8 * 2**30
    assert host["PortBindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18000"}]}
    assert create["Image"] == "vllm/vllm-openai:v0.10.2"
    assert create["Cmd"][:2] == ["--model", "meta-llama/Llama-3.1-8B-Instruct"] and "Entrypoint" not in create
    assert f"HF_TOKEN={secret}" in create["Env"]  # the daemon needs it; it came from the runner, not the manifest
    assert create["Labels"] == {launch.LABEL: "release-vllm-llama"}
    assert engine.containers[f"{'0' * 63}1"]["removed"]


def test_container_that_dies_before_ready_is_a_failed_item(engine):
    """The engine reports the container exited (137, OOM-killed) on the second inspect: the run stops
    waiting, keeps the log tail, tears down, and the secret never reaches the result."""
    engine.exit_after_inspects = 1
    engine.images.add("vllm/vllm-openai:v0.10.2")
    secret = "hf_" + "T" * 34
    launcher = launch.DockerLauncher(client=engine.client, environ={"HF_TOKEN": secret}, host_port=1)
    doc = run.smoke(chart_target(), launcher, run.Options(ready_timeout_s=30))
    assert engine.errors == []
    assert doc["launcher"] == "docker" and doc["ready"]["error"].startswith("exited with code 137")
    assert doc["ready"]["log_tail"] == ["CUDA out of memory. Tried to allocate 2.00 GiB"]
    assert doc["items"]["entrypoint-tested"]["status"] == "failed"
    assert doc["teardown"]["how"] == "stopped (grace 10 s), removed"
    assert secret not in json.dumps(doc)
    assert not any(p == "/images/create" for _m, p, _q, _b in engine.requests)  # present: not pulled


def test_no_image_is_a_clear_launch_failure(engine):
    target = chart_target()
    target.image = None
    doc = run.smoke(target, launch.DockerLauncher(client=engine.client, environ={}), run.Options(ready_timeout_s=5))
    assert doc["launch"] == {"ok": False, "error": f"{target.subject}: no image to run: give --image"}
    assert doc["items"]["entrypoint-tested"]["status"] == "failed"


def test_the_engine_refuses_what_the_api_description_does_not_allow(engine, httpserver):
    """The checks above can fail: a wrong type, an unknown query parameter and an unknown path are refused."""
    import requests

    base = f"http://127.0.0.1:{httpserver.port}/v{engine.version}"
    assert requests.post(f"{base}/containers/create", json={"Image": "x", "HostConfig": {"ShmSize": "8G"}}).status_code == 400
    assert requests.post(f"{base}/containers/create?gpus=1", json={"Image": "x"}).status_code == 400
    assert requests.post(f"{base}/models/pull", json={}).status_code == 400
    assert [e.split(":")[0] for e in engine.errors] == ["POST /containers/create", "POST /containers/create", "POST /models/pull"]
    assert "'8G' is not of type 'integer'" in engine.errors[0]
