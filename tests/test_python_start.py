"""An engine a Python start script builds (vLLM's LLM/AsyncEngineArgs, SGLang's Engine), read with ast
into the same invocation as a command line, from a ConfigMap-mounted script, a script a Dockerfile copies
(run directly or imported by uvicorn) and `python -c` text, so that every engine check runs on it."""

from __future__ import annotations

from pathlib import Path

from modelready.findings import Loc
from modelready.normalize import pyscript
from modelready.normalize.model import EnvVar

LAYOUTS = Path(__file__).parent / "layouts" / "python-start"


def _by_check(result):
    return {f.check: f for f in result.findings}


def test_a_configmap_mounted_script_builds_the_engine_with_env_resolved_values(run):
    result = run(LAYOUTS / "configmap")
    [d] = result.deployments
    e = d.engine
    assert (e.name, e.version, d.model.id) == ("vllm", "0.10.2", "meta-llama/Llama-3.2-1B-Instruct")  # MODEL_ID from the env
    assert (e.int_setting("tensor_parallel"), e.int_setting("max_model_len")) == (2, 8192)  # env, else the getenv default
    assert e.setting("tensor_parallel").loc.line == 48  # the env entry that sets it
    assert e.setting("max_model_len").loc.line == 19  # the keyword inside the ConfigMap's block
    assert e.argv_seen and e.in_process
    found = _by_check(result)
    assert "tokenizer_pool_size" in found["engine-flag-unknown"].message and found["engine-flag-unknown"].loc.line == 21
    assert found["parallelism-exceeds-gpus"].severity.name == "error"  # TP 2 on one GPU
    assert "readiness-probe-wrong-path" not in found and "engine-listens-on-loopback" not in found  # the script's server


def test_a_script_a_dockerfile_copies_and_uvicorn_imports_is_read(run):
    result = run(LAYOUTS / "image")
    [d] = result.deployments
    assert (d.kind, d.engine.name, d.engine.version, d.model.id) == ("Image", "vllm", "0.11.0", "Qwen/Qwen2.5-7B-Instruct")
    unknown = sorted((f.loc.file.rsplit("/", 1)[-1], f.loc.line, f.message.split()[0]) for f in result.findings if f.check == "engine-flag-unknown")
    assert unknown == [("app.py", 11, "max_model_length"), ("app.py", 14, "tokenizer_pool_size")]
    # the getenv default is no certainty where whoever runs the image sets the env
    assert d.engine.int_setting("tensor_parallel") is None and "parallelism-exceeds-gpus" not in _by_check(result)


def _read(text, env=(), closed=True):
    return pyscript.read(text, Loc("s.py", 0), list(env), closed)


def test_keywords_positional_model_constants_and_conversions():
    py = _read('import vllm\nM = "m/x"\nllm = vllm.LLM(M, max_model_len=int("4096"), enforce_eager=True)\n')
    assert py is not None and py.engine == "vllm" and py.call == "LLM"
    assert {k: v.value for k, v in py.flags.items()} == {"--model": "m/x", "--max-model-len": 4096, "--enforce-eager": True}
    assert py.flags["--max-model-len"].loc.line == 3 and py.open_args is None


def test_env_is_resolved_only_where_nothing_else_can_set_it():
    text = 'import os\nfrom vllm import AsyncEngineArgs\nAsyncEngineArgs(model=os.environ.get("MODEL", "d/m"), dtype=os.environ["DT"])\n'
    closed = _read(text)
    assert closed.flags["--model"].value == "d/m" and str(closed.flags["--dtype"].value).startswith("${")
    opened = _read(text, closed=False)
    assert str(opened.flags["--model"].value).startswith("${")  # an envFrom or `docker run -e` may set it
    set_ = _read(text, [EnvVar("MODEL", "org/real", None, Loc("d.yaml", 9))])
    assert set_.flags["--model"].value == "org/real" and set_.flags["--model"].loc == Loc("d.yaml", 9)


def test_sglang_engine_and_open_calls():
    py = _read("import sglang as sgl\nkw = {}\nengine = sgl.Engine(model_path='q/w', tp_size=2, **kw)\n")
    assert py.engine == "sglang" and py.flags["--tp-size"].value == 2 and "**kw" in py.open_args
    cli = _read("from vllm import AsyncEngineArgs\nimport argparse\np = argparse.ArgumentParser()\n"
                "p.add_argument('--port')\nAsyncEngineArgs.add_cli_args(p)\nargs = AsyncEngineArgs.from_cli_args(p.parse_args())\n")
    assert cli is not None and cli.call == "AsyncEngineArgs.from_cli_args" and "command line" in cli.open_args
    assert cli.flags == {} and cli.script_flags == {"--port"}  # p.parse_args() is no model


def test_a_script_without_an_engine_call_or_that_does_not_parse_is_no_engine():
    assert _read("from vllm import SamplingParams\nSamplingParams(temperature=0)\n") is None
    assert _read("LLM(model='x')\n") is None  # not imported from an engine package
    assert _read("from vllm import LLM\nLLM(model=\n") is None


def test_hostile_scripts_are_bounded():
    call = "LLM(model='x')\n"
    assert _read("from vllm import LLM\n" + call) is not None
    assert _read("from vllm import LLM\n" + "x = 1\n" * 12000 + call) is None  # over 64 KiB
    assert _read("from vllm import LLM\nLLM(model=" + "(" * 5000 + "1" + ")" * 5000 + ")\n") is None  # too deep to parse
    assert _read("from vllm import LLM\n" + "y = [1] * 1\n" * 4000 + call) is None  # over 20,000 nodes


def test_python_c_inline_code_is_read(run, tmp_path):
    (tmp_path / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - name: vllm\n          image: vllm/vllm-openai:v0.8.5\n"
        "          command: [python3, -c]\n          args:\n            - |\n              from vllm import LLM\n"
        "              LLM(model='facebook/opt-125m', max_num_seq=8)\n")
    result = run(tmp_path)
    [f] = [f for f in result.findings if f.check == "engine-flag-unknown"]
    assert f.loc.line == 16 and "max_num_seq" in f.message  # a keyword is never abbreviated, unlike a flag


def test_a_script_that_takes_the_engine_arguments_from_its_command_line_has_them_checked(run, tmp_path):
    (tmp_path / "serve.py").write_text(
        "import argparse\nfrom vllm.engine.arg_utils import AsyncEngineArgs\nfrom vllm.engine.async_llm_engine import AsyncLLMEngine\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--port', type=int, default=8000)\n"
        "parser = AsyncEngineArgs.add_cli_args(parser)\nargs = parser.parse_args()\n"
        "engine = AsyncLLMEngine.from_engine_args(AsyncEngineArgs.from_cli_args(args))\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM vllm/vllm-openai:v0.10.2\nWORKDIR /srv\nCOPY serve.py .\nENTRYPOINT []\n"
        'CMD ["python3", "serve.py", "--model", "Qwen/Qwen2.5-7B-Instruct", "--port", "9000", "--max-model-length", "8192"]\n')
    result = run(tmp_path)
    [d] = result.deployments
    assert d.engine.flags["--port"].value == "9000" and d.model.id == "Qwen/Qwen2.5-7B-Instruct"
    [f] = [f for f in result.findings if f.check == "engine-flag-unknown"]
    assert f.message.startswith("--max-model-length is not a flag of vLLM 0.10.2") and f.loc.line == 5
