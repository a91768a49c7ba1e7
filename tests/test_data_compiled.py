"""The package's YAML facts are read from compiled.marshal (tools/gen_compiled_data.py): it must hold every
file's current value, and a file it does not hold (edited since) must still be read, from its YAML."""

from __future__ import annotations

import importlib.util
import marshal
from pathlib import Path

from modelready import data

ROOT = Path(__file__).resolve().parents[1]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_compiled_data", ROOT / "tools" / "gen_compiled_data.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_the_compiled_facts_are_current():
    gen = _gen()
    held = marshal.loads((ROOT / "src" / "modelready" / "data" / data.COMPILED).read_bytes())
    want = gen.tables()
    assert len(gen.sources()) >= 9 and set(held) == set(want), "src/modelready/data/compiled.marshal is stale: run `make docs`"
    for key, value in want.items():
        assert held[key] == value and repr(held[key]) == repr(value), "a compiled fact differs from its YAML: run `make docs`"


def test_every_table_comes_from_the_compiled_file_and_equals_its_yaml(monkeypatch):
    """Each shipped table is found under its text's hash (no YAML parse) and is what the YAML says, int keys and all."""
    parsed = []
    monkeypatch.setattr(data, "parse_yaml", lambda text: parsed.append(text) or data.yaml.safe_load(text))
    data._compiled.cache_clear()
    try:
        for name in ("gpu_prices.yaml", "engines.yaml", "gpus.yaml", "memory.yaml", "k8s_required.yaml", "mig_profiles.yaml",
                     "gated_models.yaml"):
            text = data._text(name)
            value = data.load_yaml(text)
            assert value == data.yaml.safe_load(text)
            if name == "gpu_prices.yaml":  # an 8-GPU host's price, keyed by the int 8 as the YAML has it
                assert 8 in value["prices"]["A100-80GB"]["aws"]["us"]["by_host"]
        assert parsed == []
    finally:
        data._compiled.cache_clear()


def test_an_edited_or_repeated_text_is_parsed_never_a_stale_or_shared_value():
    data._compiled.cache_clear()
    try:
        text = data._text("mig_profiles.yaml")
        first = data.load_yaml(text)
        again = data.load_yaml(text)  # handed out once: the second caller gets its own value
        assert again == first and again is not first
        edited = text + "\nextra-gpu: [1g.5gb]\n"
        assert data.load_yaml(edited)["extra-gpu"] == ["1g.5gb"]
    finally:
        data._compiled.cache_clear()
