"""Hostile input II: nothing outside the repository is read, fetched or run, and no planted secret leaves.

Each class is a generated repository, run alone under the resource limits of tests/test_hostile.py (30 s of
CPU, 1.5 GB peak resident, no signal, no traceback, a report), in every output format at once (stdout,
stderr, and `-o` JSON, SARIF, JUnit, Markdown, text). What the run opened is taken from `strace -y` (the
path each file descriptor really points at, links followed by the kernel): nothing outside the repository
may be among them. What it fetched is taken from a canary HTTP server on loopback that every remote
reference points at: it must see no request.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.test_hostile import EXITS, LIMIT_BYTES, LIMIT_S, VLLM, _limits, chart

OUTPUTS = ("r.json", "r.sarif", "r.xml", "r.md", "r.txt")
_OPENED = re.compile(r"= \d+<([^>]*)>")
MARK = "OUTSIDE-CONTENT-7d1f"


class Canary:
    """An HTTP server on loopback that records every request: a run must make none."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"type": "object"}')

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.close()


@pytest.fixture
def layout(tmp_path):
    """(repository, outside): a folder beside the repository holding content nothing may read."""
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    outside.mkdir()
    repo.mkdir()
    (outside / "cm.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {MARK.lower()}}}\ndata: {{s: {MARK}}}\n")
    (outside / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (outside / "values.yaml").write_text(f"image: {{tag: {MARK}}}\n")
    (outside / "schema.json").write_text('{"type": "object"}')
    return repo, outside


def run_all(repo: Path, *args: str, outside: Path | None = None, env: dict | None = None, offline: bool = True):
    """`modelready check` with every output, traced. Returns (process, JSON report, all output text, opened paths).
    Without `offline`, the Hub is asked through huggingface_hub (keep HF_HUB_OFFLINE set: its cache only)."""
    trace = repo.parent / "trace.log"
    cmd = ["strace", "-f", "-y", "-qq", "--seccomp-bpf", "-e", "trace=open,openat,openat2", "-o", str(trace),
           sys.executable, "-m", "modelready.cli", "check", ".", *(["--offline"] if offline else []), "--format", "text", *sum((["-o", o] for o in OUTPUTS), []), *args]
    with open(repo.parent / "out", "w+") as out, open(repo.parent / "err", "w+") as err:
        child = subprocess.Popen(cmd, cwd=repo, stdout=out, stderr=err, preexec_fn=_limits, env={**os.environ, **(env or {})})
        wall = threading.Timer(LIMIT_S, child.kill)
        wall.start()
        _pid, status, usage = os.wait4(child.pid, 0)
        wall.cancel()
        out.seek(0), err.seek(0)
        proc = subprocess.CompletedProcess(cmd, os.waitstatus_to_exitcode(status), out.read(), err.read())
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"
    assert usage.ru_maxrss * 1024 < LIMIT_BYTES, f"peak resident memory {usage.ru_maxrss // 1024} MB"
    assert proc.returncode in EXITS, proc.stderr[-2000:]
    texts = proc.stdout + proc.stderr + "".join((repo / o).read_text() for o in OUTPUTS)
    assert "Traceback" not in texts
    opened = {m.group(1) for m in _OPENED.finditer(trace.read_text())}
    if outside is not None:
        bad = sorted(p for p in opened if p == str(outside) or p.startswith(str(outside) + "/") or p == "/dev/zero")
        assert not bad, f"opened outside the repository: {bad}"
    return proc, json.loads((repo / "r.json").read_text()), texts, opened


def named(doc: dict, file: str) -> list[str]:
    """Findings' messages on `file`, and its file record's reason when not checked."""
    return ([f["message"] for f in doc["findings"] if f["file"] == file]
            + [r["reason"] for r in doc["files"] if r["path"] == file and r["status"] != "checked"])


def fake_kubectl(tmp_path: Path) -> tuple[Path, Path]:
    """A kubectl on PATH that records how it was started (and renders nothing)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "kubectl.log"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(f"#!/bin/sh\necho \"$@\" >> {log}\necho \"PATH=$PATH HTTPS_PROXY=$HTTPS_PROXY\" >> {log}\n"
                                     "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: fake}\\n'\n")
    (bin_dir / "kubectl").chmod(0o755)
    return bin_dir, log


# --- reaching outside ------------------------------------------------------------------------------------

def test_kustomize_remote_resources_are_findings_and_never_fetched(layout, canary, tmp_path):
    repo, outside = layout
    (repo / "base").mkdir()
    (repo / "base" / "d.yaml").write_text(VLLM.format(name="llm", extra=""))
    (repo / "base" / "kustomization.yaml").write_text("resources: [d.yaml]\n")
    (repo / "overlay").mkdir()
    (repo / "overlay" / "kustomization.yaml").write_text(
        f"resources:\n- ../base\n- {canary.url}/remote.yaml\n- github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v1.0.6\n"
        f"- git@github.com:org/repo.git//deploy\n")
    bin_dir, log = fake_kubectl(tmp_path)
    # no --offline needed: the overlay is refused before anything starts
    _proc, doc, texts, _ = run_all(repo, outside=outside, env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    why = " ".join(named(doc, "overlay/kustomization.yaml"))
    assert "remote: not rendered" in why and "remote.yaml" in why and "helloWorld" in why
    assert not canary.hits
    started = log.read_text().splitlines() if log.exists() else []
    assert not any("overlay" in line for line in started)  # kubectl never started on the remote overlay
    assert any(line.startswith("kustomize ") and line.endswith("/base") for line in started)  # the local base is rendered
    assert any(line.startswith("PATH=") and "HTTPS_PROXY=http://127.0.0.1:9" in line and ":" not in line.split()[0][5:] for line in started)


@pytest.mark.parametrize("how", ["dotdot", "folder-link", "file-link"])
def test_kustomize_bases_outside_the_repository_are_not_read(layout, how):
    repo, outside = layout
    (repo / "overlay").mkdir()
    if how == "dotdot":
        ref = "../../outside"
    elif how == "folder-link":
        (repo / "base").symlink_to(outside)
        ref = "../base"
    else:
        (repo / "overlay" / "cm.yaml").symlink_to(outside / "cm.yaml")
        ref = "cm.yaml"
    (repo / "overlay" / "kustomization.yaml").write_text(f"resources: [{ref}]\nnamePrefix: p-\n")
    _proc, doc, texts, _ = run_all(repo, outside=outside)
    assert any("outside the repository" in m for m in named(doc, "overlay/kustomization.yaml"))
    assert MARK not in texts and MARK.lower() not in texts


def special(path: Path, what: str) -> str:
    """`path` made a link to /dev/zero or a FIFO; the words its refusal says."""
    if what == "device":
        path.symlink_to("/dev/zero")
        return "outside the repository"
    os.mkfifo(path)
    return "not a regular file"


@pytest.mark.parametrize("what", ["device", "fifo"])
def test_kustomization_that_is_a_device_is_refused(layout, what):
    repo, outside = layout
    (repo / "overlay").mkdir()
    says = special(repo / "overlay" / "kustomization.yaml", what)
    _proc, doc, _texts, _ = run_all(repo, outside=outside)
    assert any(says in m for m in named(doc, "overlay/kustomization.yaml"))


def test_values_schema_refs_are_not_resolved(layout, canary):
    repo, outside = layout
    c = chart(repo / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: {{ .Values.a | quote }}}\n", "a: '1'\n")
    (c / "values.schema.json").write_text(json.dumps({"type": "object", "properties": {
        "a": {"$ref": f"{canary.url}/remote.json"}, "b": {"$ref": f"file://{outside}/schema.json"}}}))
    (c / "charts" / "sub" / "templates").mkdir(parents=True)
    (c / "charts" / "sub" / "Chart.yaml").write_text("apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    (c / "charts" / "sub" / "values.schema.json").write_text(json.dumps({"$schema": f"{canary.url}/meta.json", "type": "object"}))
    _proc, doc, _texts, _ = run_all(repo, outside=outside)
    assert not canary.hits
    assert any("schema not applied" in m for m in named(doc, "c/values.schema.json"))
    assert any("schema not applied" in m for m in named(doc, "c/charts/sub/values.schema.json"))
    assert any(f["check"] == "helm-render-failed" for f in doc["findings"]) is False  # the chart still renders


def test_a_linked_ci_folder_is_no_values_set(layout):
    repo, outside = layout
    c = chart(repo / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: {{ .Values.image.tag | quote }}}\n",
              "image: {tag: v1}\n")
    (c / "ci").symlink_to(outside)
    (c / "values-prod.yaml").symlink_to(outside / "values.yaml")
    _proc, doc, texts, _ = run_all(repo, outside=outside)
    chart_rec = next(r for r in doc["files"] if r["path"] == "c/Chart.yaml")
    assert chart_rec["values_sets"] == ["values.yaml"]
    assert any("not followed" in m for m in named(doc, "c/ci"))
    assert MARK not in texts


@pytest.mark.parametrize("where", ["dotdot", "absolute", "device", "fifo"])
def test_config_values_paths_are_confined(layout, where):
    repo, outside = layout
    chart(repo / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: {{ .Values.image.tag | quote }}}\n", "image: {tag: v1}\n")
    path = {"dotdot": "../../outside/values.yaml", "absolute": str(outside / "values.yaml"), "device": "/dev/zero", "fifo": "pipe.yaml"}[where]
    if where == "fifo":
        os.mkfifo(repo / "c" / "pipe.yaml")
    (repo / ".modelready.yaml").write_text(f"charts:\n  c: {{values: [[{path}]]}}\n")
    _proc, doc, texts, _ = run_all(repo, outside=outside)
    failed = [f["message"] for f in doc["findings"] if f["check"] == "helm-render-failed"]
    assert any(path in m and "cannot be read" in m for m in failed), failed
    assert MARK not in texts


@pytest.mark.parametrize("what", ["device", "fifo"])
@pytest.mark.parametrize("name", ["values.yaml", "Chart.yaml", "templates/zero.yaml"])
def test_chart_files_that_are_devices(layout, name, what):
    repo, outside = layout
    c = chart(repo / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (c / name).unlink(missing_ok=True)
    says = special(c / name, what)
    _proc, doc, _texts, _ = run_all(repo, outside=outside)
    assert any(says in m for m in named(doc, f"c/{name}"))


def test_a_chart_linked_to_itself_is_copied_within_a_bound(layout, tmp_path):
    repo, outside = layout
    c = chart(repo / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (c / "self").symlink_to(".")
    (c / "templates" / "again").symlink_to("..")
    (c / "leak.txt").symlink_to(outside / "cm.yaml")  # refused: the chart renders from a copy
    scratch = tmp_path / "tmp"  # the run's own temporary folder: other tests' copies (xdist, other runs) are not in it
    scratch.mkdir()
    _proc, doc, texts, _ = run_all(repo, outside=outside, env={"TMPDIR": str(scratch)})
    assert any("not followed" in m for m in named(doc, "c/self"))
    assert any("outside the repository" in m for m in named(doc, "c/leak.txt"))
    assert any(f["subject"].startswith("ConfigMap") or f["file"].startswith("c/templates") for f in doc["findings"]) or \
        next(r for r in doc["files"] if r["path"] == "c/Chart.yaml")["status"] == "checked"
    assert not list(scratch.iterdir())  # no copy left behind
    assert MARK not in texts


def test_a_chain_of_more_than_40_links(layout):
    repo, outside = layout
    (repo / "real.yaml").write_text(VLLM.format(name="llm", extra=""))
    prev = "real.yaml"
    for i in range(45):
        (repo / f"l{i}.yaml").symlink_to(prev)
        prev = f"l{i}.yaml"
    c = chart(repo / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (c / "templates" / "deep.yaml").symlink_to(f"../../{prev}")
    _proc, doc, _texts, _ = run_all(repo, outside=outside)
    assert any("more than 40 symbolic links" in m for m in named(doc, "l44.yaml"))
    assert any("more than 40 symbolic links" in m for m in named(doc, "c/templates/deep.yaml"))
    assert next(r for r in doc["files"] if r["path"] == "l10.yaml")["status"] == "checked"


# --- secrets -----------------------------------------------------------------------------------------------

HF = "hf_PlantedTokenAbcdefghijklmnop1234"
SLACK = "https://hooks.slack.com/services/T0PLANT01/B0PLANT02/PlantedSlackSecret99"
DSN_PW = "PlantedDsnPw77"
REDIS_PW = "PlantedRedisPw88"
BEARER = "PlantedBearerTok3n0123456789"
SAS = "PlantedSasSig0123456789abcdef"
KEY_SECRET = "hf_PlantedKeyAsConfigKey98765zz"
FILE_TOKEN = "ghp_PlantedFileName0123456789abcdefghij"


def planted() -> list[str]:
    """Every planted secret and every form a template can make of it (upper, base64, a prefix trimmed)."""
    out = []
    for s in (HF, SLACK.rsplit("/", 1)[1], DSN_PW, REDIS_PW, BEARER, SAS, KEY_SECRET, FILE_TOKEN):
        out += [s, s.upper(), base64.b64encode(s.encode()).decode().rstrip("="), s.removeprefix("hf_"), s.removeprefix("hf_").upper()]
    return out


@pytest.mark.parametrize("transform", ["upper", "b64enc", "trimPrefix", "include"])
def test_a_token_transformed_by_a_template_is_redacted(tmp_path, transform):
    expr = {"upper": ".Values.hfToken | upper", "b64enc": ".Values.hfToken | b64enc", "trimPrefix": '.Values.hfToken | trimPrefix "hf_"',
            "include": '.Values.hfToken'}[transform]
    template = (f'{{{{ fail (printf "token %s rejected" ({expr})) }}}}\n' if transform != "include"
                else f'{{{{ include (printf "Bearer {BEARER}-%s" {expr}) . }}}}\n')
    chart(tmp_path / "c", template, f"hfToken: {HF}\n")
    _proc, doc, texts, _ = run_all(tmp_path)
    assert any(f["check"] == "helm-render-failed" for f in doc["findings"])
    leaked = [s for s in planted() if s in texts]
    assert not leaked, leaked


def test_secrets_of_every_shape_are_redacted_in_every_output(tmp_path):
    env = [("SLACK_URL", SLACK), ("DATABASE_URL", f"root:{DSN_PW}@tcp(mysql:3306)/app"), ("CACHE", f"redis://:{REDIS_PW}@redis:6379/0"),
           ("AUTH_HEADER", f"Bearer {BEARER}")]
    env_yaml = "".join(f"\n        - {{name: {k}, value: '{v}'}}" for k, v in env)
    deploy = VLLM.format(name="llm", extra=f', "--model", "https://acct.blob.core.windows.net/m/model?sv=2022&sig={SAS}", "--served-model-name", "{SLACK}"')
    deploy = deploy.replace("        resources:", f"        env:{env_yaml}\n        resources:")
    (tmp_path / "d.yaml").write_text(deploy)
    (tmp_path / f"{FILE_TOKEN}.yaml").write_text("a: [")  # a token-named file, unreadable: named in every format
    (tmp_path / ".modelready.yaml").write_text(f"{KEY_SECRET}: 1\nchecks: {{{KEY_SECRET}: off}}\n")
    _proc, doc, texts, _ = run_all(tmp_path)
    leaked = [s for s in planted() if s in texts]
    assert not leaked, leaked
    assert "[redacted]" in (tmp_path / "r.xml").read_text()  # the file writer redacts too, not only stdout
    json.loads((tmp_path / "r.json").read_text())  # redaction keeps the JSON well formed
    from xml.etree import ElementTree
    ElementTree.parse(tmp_path / "r.xml")


# --- budgets, caps, text, model configs ----------------------------------------------------------------

def plant(repo: Path) -> None:
    """A Secret holding a planted token beside the hostile files: it must appear in no output."""
    (repo / "secret.yaml").write_text(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: hf}}\nstringData: {{token: {HF}}}\n")


def no_leak(texts: str) -> None:
    leaked = [s for s in planted() if s in texts]
    assert not leaked, leaked


def merge_bomb(keys: int = 500, copies: int = 400, uses: int = 300) -> str:
    """12 KB of YAML: one mapping merged (`<<`) `copies` times into each of `uses` mappings: 60 million keys
    visited, while the values kept stay under the alias budget."""
    return "\n".join([f"big: &big {{{', '.join(f'k{j}: 0' for j in range(keys))}}}", f"lst: &lst [{', '.join(['*big'] * copies)}]",
                      *(f"c{i}: {{<<: *lst}}" for i in range(uses))]) + "\n"


@pytest.mark.parametrize("where", ["plain", "values-set"])
def test_merge_keys_count_in_the_alias_budget(tmp_path, where):
    plant(tmp_path)
    if where == "plain":
        name = "bomb.yaml"
        (tmp_path / name).write_text(merge_bomb())
    else:
        chart(tmp_path / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "a: 1\n", ci={"bomb-values.yaml": merge_bomb()})
        name = "c/ci/bomb-values.yaml"
    _proc, doc, texts, _ = run_all(tmp_path)
    messages = " ".join(f["message"] for f in doc["findings"])
    assert "merge keys (<<) expand to more than 2,000,000 values" in messages
    assert any(f["file"] == name or name in f["message"] for f in doc["findings"])
    no_leak(texts)


def test_exclude_globs_cannot_backtrack(tmp_path):
    plant(tmp_path)
    deep = tmp_path.joinpath(*["a" * 200] * 8)  # a 1,600-character path of names the pattern almost matches
    deep.mkdir(parents=True)
    (deep / ("a" * 200 + ".yaml")).write_text(VLLM.format(name="llm", extra=""))
    (deep / ("a" * 150 + "b")).write_text("x: 1\n")
    (tmp_path / ".modelready.yaml").write_text("exclude: ['*a*a*a*a*a*a*a*a*a*a*b', '**/a*a*a*a*a*a*a*a*c/']\n")
    _proc, doc, texts, _ = run_all(tmp_path)  # a backtracking matcher takes minutes on these names (the CPU limit stops it)
    records = {Path(r["path"]).name: r for r in doc["files"]}
    assert records["a" * 150 + "b"]["reason"] == "excluded by config"
    assert records["a" * 200 + ".yaml"]["status"] == "checked"
    no_leak(texts)


def test_findings_are_capped_per_check_and_file(tmp_path):
    plant(tmp_path)
    flags = "".join(f', "--no-such-flag-{i}", "1"' for i in range(20_000))
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra=flags + ', "--max-model-length", "8192"'))
    _proc, doc, texts, _ = run_all(tmp_path)
    unknown = [f for f in doc["findings"] if f["check"] == "engine-flag-unknown"]
    assert len(unknown) == 100 and all(f["file"] == "d.yaml" for f in unknown)
    assert unknown[-1]["message"].endswith("(and 19,901 more engine-flag-unknown findings in d.yaml, not listed)")
    assert len((tmp_path / "r.json").read_bytes()) < 1_000_000  # 20,000 findings were 6.7 MB
    no_leak(texts)


def test_the_same_unknown_flag_is_suggested_once():
    from modelready.checks import engine_flag_unknown as m

    m.nearest.cache_clear()
    flags = frozenset({"--max-model-len", "--tensor-parallel-size"})
    for _ in range(3):
        assert m.nearest("--max-model-length", flags) == "--max-model-len"
    assert m.nearest.cache_info().misses == 1


def test_a_huge_value_is_elided_in_the_middle_of_its_message(tmp_path):
    plant(tmp_path)
    image = "vllm/vllm-openai:" + "v" * 1_000_000
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra="").replace("vllm/vllm-openai:v0.8.5", image))
    _proc, doc, texts, _ = run_all(tmp_path)
    on_d = [f["message"] for f in doc["findings"] if f["file"] == "d.yaml"]
    assert on_d and all(len(m) <= 2000 for m in on_d)
    assert any("characters elided]" in m and m.count("v" * 50) for m in on_d)
    assert "v" * 1000 not in texts  # in no format: the message is capped once, in the document
    no_leak(texts)


def test_values_sets_share_the_runs_render_budget(tmp_path):
    plant(tmp_path)
    template = ('{{- range $i := until (int .Values.n) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-{{ $i }}}\n'
                'data: {a: {{ repeat (int $.Values.pad) "x" | quote }}}\n{{- end }}\n')
    # sixteen sets of 4 MB each: every one within its own render's limits, 64 MB together
    chart(tmp_path / "c", template, "n: 1\npad: 10\n", ci={f"set-{i:02}-values.yaml": "n: 400\npad: 10000\n" for i in range(16)})
    _proc, doc, texts, _ = run_all(tmp_path)
    [cut] = [f["message"] for f in doc["findings"] if f["check"] == "not-analysed" and f["file"] == "c/Chart.yaml"]
    assert "values sets not rendered (ci/set-" in cut and "budget for rendering charts, values sets and overlays (32 MB" in cut
    rendered = next(r for r in doc["files"] if r["path"] == "c/Chart.yaml")["values_sets"]
    named_cut = cut.split("not rendered (", 1)[1].split("):", 1)[0].split(", ")
    assert len(rendered) >= 2 and set(rendered) | set(named_cut) == {"values.yaml", *(f"ci/set-{i:02}-values.yaml" for i in range(16))}
    assert not set(rendered) & set(named_cut)
    no_leak(texts)


STEERING = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x80-\x9f]")


def formats(repo: Path, *names: str) -> str:
    """stdout of `check` in each of the log formats (github annotations, concise), under the same limits."""
    out = ""
    for name in names:
        proc = subprocess.run([sys.executable, "-m", "modelready.cli", "check", ".", "--offline", "--format", name],
                              cwd=repo, capture_output=True, text=True, preexec_fn=_limits, timeout=10 * LIMIT_S)
        assert proc.returncode in EXITS and "Traceback" not in proc.stderr
        out += proc.stdout
    return out


def test_bidi_and_c1_controls_are_shown_escaped_in_every_human_format(tmp_path):
    plant(tmp_path)
    name = "evil\u202egpj.yaml"  # reads as evilmlay.jpg
    image = 'vllm/vllm-openai:lat\u2066est\\x9b31m\\u202d'  # a YAML escape: C1 CSI, bidi isolate and override
    (tmp_path / name).write_text(VLLM.format(name="llm", extra="").replace("image: vllm/vllm-openai:v0.8.5", f'image: "{image}"'))
    _proc, doc, texts, _ = run_all(tmp_path)
    assert any(f["file"] == name for f in doc["findings"])  # the JSON keeps the name as it is: a machine format
    human = {o: (tmp_path / o).read_text() for o in ("r.txt", "r.md", "r.xml")}
    human["sarif messages"] = " ".join(r["message"]["text"] for r in json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"])
    human["stdout: github, concise, text, markdown"] = formats(tmp_path, "github", "concise", "text", "markdown")
    human["rdjson messages"] = " ".join(d["message"] for d in json.loads(formats(tmp_path, "rdjson"))["diagnostics"])
    for where, text in human.items():
        assert not STEERING.search(text), (where, STEERING.findall(text))
        assert "U+202E" in text or "U+2066" in text, where  # shown by its code point
    assert not STEERING.search(_proc.stderr)
    no_leak(texts)


@pytest.mark.parametrize("key, value", [("num_hidden_layers", "1e12"), ("num_attention_heads", "0"), ("num_attention_heads", "-32"),
                                        ("num_attention_heads", "31.5"), ("num_hidden_layers", "1000000000000")])
def test_absurd_model_config_values_are_a_finding_at_their_line(tmp_path, key, value):
    plant(tmp_path)
    shapes = {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
              "intermediate_size": 14336, "vocab_size": 128256, "max_position_embeddings": 131072}
    lines = ['  "architectures": ["LlamaForCausalLM"]', '  "model_type": "llama"'] + [
        f'  "{k}": {value if k == key else v}' for k, v in shapes.items()]
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra=', "--max-model-len", "200000"').replace(
        '"meta-llama/Llama-3.1-8B-Instruct"', '"/models/model"'))
    _proc, doc, texts, _ = run_all(tmp_path)
    [bad] = [f for f in doc["findings"] if f["check"] == "model-config-invalid"]
    assert bad["file"] == "model/config.json" and bad["line"] == 3 + list(shapes).index(key) + 1 and bad["severity"] == "error"
    assert bad["message"].startswith(f"{key} must be a positive integer" if value != "1000000000000" else f"{key} is 1,000,000,000,000")
    assert not [f for f in doc["findings"] if f["check"] == "internal-error"]
    assert not re.search(r"-\d+ or less|to -\d", " ".join(f["message"] for f in doc["findings"]))  # no arithmetic on the shapes
    no_leak(texts)


def test_a_link_in_a_folder_already_read_is_resolved_and_confined(tmp_path):
    """read_inside opens a file of a folder it has resolved directly (O_NOFOLLOW, no lstat first): a link there is
    still refused when it leaves the repository, read when it stays inside, and a missing file is the open's error."""
    from modelready.discover import Refused, read_inside

    outside = tmp_path / "outside.txt"
    outside.write_text("TOP-SECRET\n")
    repo = tmp_path / "repo"
    (repo / "d").mkdir(parents=True)
    (repo / "d" / "a.yaml").write_text("a: 1\n")
    (repo / "d" / "out.yaml").symlink_to(outside)
    (repo / "d" / "in.yaml").symlink_to("a.yaml")
    (repo / "d" / "zero.yaml").symlink_to("/dev/zero")
    root = repo.resolve()
    assert read_inside(repo / "d" / "a.yaml", root) == b"a: 1\n"  # the folder is known from here on
    assert read_inside(repo / "d" / "a.yaml", root) == b"a: 1\n"
    assert read_inside(repo / "d" / "in.yaml", root) == b"a: 1\n"
    for name in ("out.yaml", "zero.yaml"):
        with pytest.raises(Refused):
            read_inside(repo / "d" / name, root)
    with pytest.raises(FileNotFoundError):
        read_inside(repo / "d" / "gone.yaml", root)
    # a path that is not plain text (`..`, `.`, `//`, relative) goes through abspath: `d/../d/out.yaml` is out.yaml
    with pytest.raises(Refused):
        read_inside(Path(str(repo / "d" / ".." / "d" / "out.yaml")), root)
    with pytest.raises(Refused):
        read_inside(str(repo / "d") + "//./out.yaml", root)  # type: ignore[arg-type]
    assert read_inside(str(repo / "d") + "/./a.yaml", root) == b"a: 1\n"  # type: ignore[arg-type]
    # a file of a known folder, under roots it is not inside: resolved and refused, never opened directly
    with pytest.raises(Refused):
        read_inside(repo / "d" / "a.yaml", (repo / "elsewhere",))


def test_a_plain_path_is_its_own_absolute_path(tmp_path, monkeypatch):
    """read_inside takes a path's text as absolute and normal when it says so (`/` first; no `/.`, `//` or final `/`),
    without abspath: it must give what abspath gives, for those and every other path."""
    import os

    from modelready import discover

    monkeypatch.chdir(tmp_path)
    paths = ["/a/b.yaml", "/a.b/c..d/e.yaml", "/a/b-/c_.yaml", "/x", "/a/b c/d.yaml", "/", "/a/./b.yaml", "/a/../b.yaml",
             "//a/b.yaml", "/a//b.yaml", "/a/b/", "a/b.yaml", "./a", "../a", "/a/b/..", "/a/.hidden", "/a/b/.", "", "."]
    for text in paths:
        assert discover._absolute(text) == os.path.abspath(text), text


@pytest.mark.parametrize("name", ["../../../../outside/escaped", "ABSOLUTE", "dep/../../../../../outside/escaped", "*"])
def test_a_dependency_named_as_a_path_is_never_written_outside_the_chart_copy(layout, tmp_path, name):
    """Helm names a dependency's folder `charts/<name>`: a Chart.yaml whose name is a path (up, absolute, a glob) would
    have the chart's copy written where it points (here: beside the repository, from the scratch folder)."""
    repo, outside = layout
    name = str(outside / "escaped") if name == "ABSOLUTE" else name
    umbrella = chart(repo / "umb", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\n")
    (umbrella / "Chart.yaml").write_text("apiVersion: v2\nname: umb\nversion: 0.1.0\ndependencies:\n"
                                         f"- name: {json.dumps(name)}\n  version: 0.1.0\n  repository: file://../dep\n")
    chart(repo / "dep", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: child}\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    _proc, doc, _texts, _ = run_all(repo, outside=outside, env={"TMPDIR": str(scratch)})
    assert not (outside / "escaped").exists() and sorted(p.name for p in outside.iterdir()) == ["cm.yaml", "kustomization.yaml", "schema.json", "values.yaml"]
    assert any("is not a chart name" in m for m in named(doc, "umb/Chart.yaml"))
    assert not list(scratch.iterdir())


@pytest.mark.parametrize("renders", [True, False])
def test_a_chart_whose_templates_folder_links_outside_is_not_listed(layout, renders):
    """`templates -> ../../outside` (or `-> /`): the undefined-values reader and the serving sniff of a chart that does not
    render globbed through the link and listed the whole tree there (each read refused, but `-> /` took minutes)."""
    repo, outside = layout
    (outside / "deep").mkdir()
    (outside / "deep" / "t.yaml").write_text("x: 1\n")
    c = repo / "c"
    c.mkdir()
    (c / "Chart.yaml").write_text("apiVersion: v2\nversion: 0.1.0\n" + ("name: c\n" if renders else ""))
    (c / "values.yaml").write_text("")
    (c / "templates").symlink_to(outside)
    _proc, doc, texts, _ = run_all(repo, outside=outside)
    assert any("symbolic link to a folder: not followed" in r["reason"] for r in doc["files"] if r["path"] == "c/templates")
    assert named(doc, "c/Chart.yaml") and MARK not in texts


def test_a_model_revision_that_is_a_path_is_not_given_to_huggingface_hub(layout, tmp_path):
    """huggingface_hub reads a revision that is no commit from `<cache>/models--org--name/refs/<revision>`: a manifest's
    `--revision ../../../../outside/cm.yaml` had it open a file of the runner outside both the repository and the cache."""
    repo, outside = layout
    cache = tmp_path / "hf"
    (cache / "models--org--name" / "refs").mkdir(parents=True)
    (cache / "models--org--name" / "refs" / "main").write_text("0" * 40)
    revision = os.path.relpath(outside / "cm.yaml", cache / "models--org--name" / "refs")
    (repo / "d.yaml").write_text(VLLM.format(name="llm", extra=f', "--revision", "{revision}"').replace("meta-llama/Llama-3.1-8B-Instruct", "org/name"))
    _proc, doc, texts, _ = run_all(repo, outside=outside, env={"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}, offline=False)
    assert doc["deployments"][0]["model"]["revision"] == revision and MARK not in texts


def test_a_pull_requests_action_yml_that_links_outside_is_not_read(layout):
    """The comment lists what a pull request changes of the action's inputs, from its own action.yml: a link to a file
    of the runner was read whole and its `inputs` defaults were written into the comment."""
    from modelready.app import gatefiles

    repo, outside = layout
    (outside / "action.yml").write_text(f"inputs:\n  profile: {{default: {MARK}}}\n")
    (repo / "action.yml").write_text("inputs:\n  profile: {default: strict}\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "base"], check=True)
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    (repo / "action.yml").unlink()
    (repo / "action.yml").symlink_to(outside / "action.yml")
    said = gatefiles.lines(repo, base, ["action.yml"])
    assert said and "profile" in " ".join(said) and MARK not in " ".join(said), said


def test_a_touched_file_that_links_outside_is_not_read_for_its_digest(layout):
    """An attestation's record holds a digest of each touched file without a deployment: a pull request's Dockerfile
    linked to a file of the runner was read whole, and the digest told its content apart."""
    from types import SimpleNamespace

    from modelready.app import coverage

    repo, outside = layout
    (repo / "Dockerfile").symlink_to(outside / "cm.yaml")
    result = SimpleNamespace(objects=[], deployments=[], values_files={})
    first = coverage.subjects(result, repo, ["Dockerfile"])
    (outside / "cm.yaml").write_text("something else\n")
    assert coverage.subjects(result, repo, ["Dockerfile"]) == first and "Dockerfile" in first


def test_a_config_file_that_links_outside_the_repository_is_refused(layout):
    """A repository's `.modelready.yaml` linked to a file of the runner was read, and its keys were quoted on stderr
    (`unknown key ...`). It is refused, as a device is, and said; a link to a file of the repository still reads."""
    repo, outside = layout
    (outside / "cfg.yaml").write_text(f"{MARK}: 1\n")
    (repo / "d.yaml").write_text(VLLM.format(name="llm", extra=""))
    (repo / ".modelready.yaml").symlink_to(outside / "cfg.yaml")
    cmd = [sys.executable, "-m", "modelready.cli", "check", ".", "--offline"]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=LIMIT_S * 10, preexec_fn=_limits)
    assert proc.returncode == 2 and "symbolic link to outside the repository" in proc.stderr and MARK not in proc.stdout + proc.stderr
    (repo / "conf").mkdir()
    (repo / "conf" / "modelready.yaml").write_text("profile: genai\n")
    (repo / ".modelready.yaml").unlink()
    (repo / ".modelready.yaml").symlink_to("conf/modelready.yaml")
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=LIMIT_S * 10, preexec_fn=_limits)
    assert proc.returncode in EXITS and "cannot be read" not in proc.stderr, proc.stderr[-2000:]
