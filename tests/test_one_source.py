"""One source per fact: what the report tells a user to paste is made by the code that reads it back (each
is loaded here), and the secret rules, the mask and the deployment id are defined once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from modelready import data
from modelready.findings import Loc
from modelready.masking import MASK, is_secret_name
from modelready.normalize.engine import build_engine, flag
from modelready.normalize.model import Container, Image

SRC = Path(__file__).resolve().parents[1] / "src" / "modelready"


def sources(skip: str = "") -> dict[str, str]:
    return {p.relative_to(SRC).as_posix(): p.read_text(encoding="utf-8") for p in SRC.rglob("*.py") if p.name != skip}


def test_the_suppression_explain_prints_silences_the_check():
    from modelready.checks.runner import suppression, suppressions

    annotations = yaml.safe_load(suppression("dev-shm-missing"))
    assert suppressions(annotations)[0] == {"dev-shm-missing"}


@pytest.mark.parametrize("setting", ["max_model_len", "tensor_parallel", "kv_cache_dtype", "gpu_memory_utilization"])
def test_every_engine_reads_back_the_flag_advice_names(setting):
    """The memory-fit advice (`--max-model-len 4096 fits`) spelled as each engine's parser reads it."""
    for name, spec in data.engines().items():
        if setting not in spec.get("settings", {}) or not any(str(n).startswith("--") for n in spec["settings"][setting]):
            continue
        loc = Loc("deploy.yaml", 1)
        c = Container(name="engine", image=Image.parse(spec["detect"]["images"][0] + ":1.0", loc), command=[],
                      args=[flag(name, setting), "7"], env=[], requests={}, limits={}, probes={}, ports={}, mounts={},
                      loc=loc, resources_loc=loc)
        got = build_engine(c, name).setting(setting)
        assert got is not None and str(got.value) == "7", (name, flag(name, setting))


@pytest.mark.parametrize("name, secret", [
    ("HF_TOKEN", True), ("OPENAI_API_KEY", True), ("api-key", True), ("db.password", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("max_num_batched_tokens", False), ("TOKENIZER", False), ("HF_TOKEN_PATH", False), ("tokenizer_mode", False),
])
def test_a_secret_is_known_by_its_name_in_one_place(name, secret):
    assert is_secret_name(name) is secret


def test_one_mask_and_no_second_secret_rule():
    """Masking strings and secret-word patterns live in masking.py only (the mask once drifted to two strings,
    and five patterns disagreed on `max_num_batched_tokens`)."""
    other = re.compile(r'"<redacted>"|"\*\*\*"|re\.compile\([^)]*(?:password|passwd)', re.I)
    assert [f for f, text in sources(skip="masking.py").items() if other.search(text)] == []
    assert MASK == "[redacted]"


def test_the_deployment_id_is_made_in_one_place():
    made = re.compile(r"ref\}@\{")
    assert [f for f, text in sources().items() if made.search(text)] == ["load/k8s.py"]  # load.k8s.subject_id
