"""A local Docker Engine for the docker SDK: every request is checked against the Engine API's own
Swagger 2.0 description (moby/moby api/swagger.yaml, in ../shared/fixtures/docker/) — the path and
method exist, each query parameter is declared with the right type, the JSON body matches the
operation's body schema — and answered from a small in-memory state of images and containers."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import jsonschema
import yaml
from werkzeug import Request, Response

SWAGGER = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "docker" / "engine-api-swagger.yaml"


def _nullable(node):
    """Swagger 2.0 marks nullable fields with x-nullable; JSON Schema spells that as a "null" type."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.get("x-nullable") and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


class FakeEngine:
    def __init__(self, images: set[str] | None = None, exit_after_inspects: int | None = None, exit_code: int = 137):
        spec = yaml.load(SWAGGER.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        self.spec = _nullable(spec)
        self.version = spec["info"]["version"]
        self.routes = []
        for template, ops in self.spec["paths"].items():
            # an image {name} holds slashes (vllm/vllm-openai:v0.10.2); other parameters do not
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", template.replace("{name}", "(?:.+)")) + "$")
            self.routes.append((pattern, template, ops))
        self.routes.sort(key=lambda r: -len(r[1]))  # the most specific template first (/images/{name}/json before /images/{name})
        self.requests: list[tuple[str, str, dict, object]] = []  # method, API path, query, body
        self.errors: list[str] = []
        self.images = set(images or ())
        self.containers: dict[str, dict] = {}
        self.exit_after_inspects, self.exit_code = exit_after_inspects, exit_code

    # -- contract ---------------------------------------------------------------
    def _check(self, method: str, path: str, query: dict, body) -> None:
        for pattern, template, ops in self.routes:
            if pattern.match(path):
                op = ops.get(method.lower())
                if op is None:
                    raise AssertionError(f"{method} {template}: no such operation in the Engine API")
                params = (ops.get("parameters") or []) + (op.get("parameters") or [])
                declared = {p["name"]: p for p in params if p["in"] == "query"}
                for name, value in query.items():
                    if name not in declared:
                        raise AssertionError(f"{method} {template}: undeclared query parameter {name!r}")
                    kind = declared[name].get("type")
                    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
                        raise AssertionError(f"{method} {template}: {name}={value!r} is not an integer")
                    if kind == "boolean" and value not in ("0", "1", "true", "false", "True", "False"):
                        raise AssertionError(f"{method} {template}: {name}={value!r} is not a boolean")
                for p in params:
                    if p["in"] == "query" and p.get("required") and p["name"] not in query:
                        raise AssertionError(f"{method} {template}: required query parameter {p['name']!r} missing")
                    if p["in"] == "body" and body is not None:
                        schema = {**p["schema"], "definitions": self.spec["definitions"]}
                        err = jsonschema.exceptions.best_match(jsonschema.Draft4Validator(schema).iter_errors(body))
                        if err is not None:
                            raise AssertionError(f"{method} {template}: body does not match: {err.message} at {list(err.absolute_path)}")
                return
        raise AssertionError(f"{method} {path}: no such path in the Engine API")

    # -- behaviour --------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = re.sub(r"^/v\d+\.\d+", "", request.path)
        query = {k: v for k, v in request.args.items()}
        body = json.loads(request.data) if request.data and request.mimetype == "application/json" else None
        self.requests.append((request.method, path, query, body))
        try:
            self._check(request.method, path, query, body)
        except AssertionError as e:
            self.errors.append(str(e))
            return Response(json.dumps({"message": str(e)}), status=400, mimetype="application/json")
        return self._answer(request.method, path, query, body)

    def _answer(self, method, path, query, body) -> Response:
        def js(obj, status=200):
            return Response(json.dumps(obj), status=status, mimetype="application/json")

        if path == "/_ping":
            return Response("OK", mimetype="text/plain", headers={"Api-Version": self.version})
        if path == "/version":
            return js({"ApiVersion": self.version, "Version": "28.2.2", "MinAPIVersion": "1.24"})
        m = re.fullmatch(r"/images/(.+)/json", path)
        if m:
            name = m.group(1)
            return js({"Id": "sha256:" + "1" * 64, "RepoTags": [name]}) if name in self.images else js({"message": f"No such image: {name}"}, 404)
        if path == "/images/create":
            self.images.add(f"{query['fromImage']}:{query.get('tag', 'latest')}")
            return Response(json.dumps({"status": "Downloaded newer image"}) + "\n", mimetype="application/json")
        if path == "/containers/create":
            cid = f"{len(self.containers) + 1:064x}"
            self.containers[cid] = {"config": body, "running": False, "inspects": 0, "removed": False}
            return js({"Id": cid, "Warnings": []}, 201)
        m = re.fullmatch(r"/containers/([0-9a-f]+)(/[a-z]+)?", path)
        if m and m.group(1) in self.containers:
            c, action = self.containers[m.group(1)], m.group(2)
            if action == "/start":
                c["running"] = True
                return Response(status=204)
            if action == "/json":
                c["inspects"] += 1
                if self.exit_after_inspects is not None and c["inspects"] > self.exit_after_inspects:
                    c["running"] = False
                state = {"Running": c["running"], "ExitCode": 0 if c["running"] else self.exit_code, "OOMKilled": not c["running"]}
                return js({"Id": m.group(1), "State": state, "Config": {"Tty": False, "Image": c["config"]["Image"]}})
            if action == "/logs":
                frame = b"CUDA out of memory. Tried to allocate 2.00 GiB\n"
                return Response(struct.pack(">BxxxL", 2, len(frame)) + frame, mimetype="application/vnd.docker.multiplexed-stream")
            if action == "/stop":
                c["running"] = False
                return Response(status=204)
            if action is None and method == "DELETE":
                c["removed"] = True
                return Response(status=204)
        return js({"message": f"unexpected {method} {path}"}, 404)
