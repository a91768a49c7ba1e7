"""The memory model against the calibration set of published engine logs (tests/memory_calibration.yaml): the
figures must not fall below those docs/memory-accuracy.md publishes, nor below the issue's bar (verdicts 95 %,
weights median 1 %, KV capacity median 10 %, no optimistic verdict on a setup that failed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("memory_accuracy", ROOT / "tools" / "memory_accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["memory_accuracy"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def scored(tool):
    return tool.score(tool.load())


def test_every_setup_is_cited_with_its_log_lines(tool):
    import yaml

    raw = yaml.safe_load((ROOT / "tests" / "memory_calibration.yaml").read_text(encoding="utf-8"))["setups"]
    assert len({s["id"] for s in raw}) == len(raw)
    for s in raw:
        assert s["source"].startswith("https://") and s["log"], s["id"]
        assert s["gpu"] and s["version"] and "tp" in s and "flags" in s, s["id"]
        assert s.get("outcome") in ("started", "failed", None), s["id"]
        assert s.get("split", "fit") in ("fit", "held-out", "informed"), s["id"]
        assert (s.get("split") == "informed") == bool(s.get("informed")), s["id"]  # an informed setup names the fix it informed


def test_accuracy_holds_the_published_figures(tool, scored):
    """The fit setups (those the constants were chosen against) hold the issue's bar and what the doc publishes."""
    now, published = scored["by_split"]["fit"], tool.published(ROOT / "docs" / "memory-accuracy.md", "fit")
    assert now["optimistic"] == 0, [r["id"] for r in scored["rows"] if r.get("optimistic") and r["split"] == "fit"]
    assert now["agreement"] >= max(0.95, published["agreement"] - 1e-9)
    assert now["weights_median"] <= min(0.01, published["weights_median"] + 1e-6)
    assert now["kv_median"] <= min(0.10, published["kv_median"] + 1e-6)
    assert now["weights_worst"] <= published["weights_worst"] + 1e-6
    assert now["kv_worst"] <= published["kv_worst"] + 1e-6
    assert now["verdicts"] >= published["verdicts"] >= 34 and now["kv_n"] >= published["kv_n"]
    overall = tool.published(ROOT / "docs" / "memory-accuracy.md")
    assert scored["overall"]["setups"] >= overall["setups"]


def test_held_out_setups_hold_their_published_figures(tool, scored):
    """The setups added after the constants froze (split: held-out) are scored apart, out of sample: they may not fall
    below what docs/memory-accuracy.md publishes for them (no optimistic verdict, 16 of 16 verdicts, weights and KV
    capacity medians and worsts), and they keep absolute bounds with margin over those figures, so that a change that
    trades the held-out set for the fit set fails here. The three that informed a fix (split: informed) are held to
    what they show now, apart."""
    doc = ROOT / "docs" / "memory-accuracy.md"
    held, published = scored["by_split"]["held-out"], tool.published(doc, "held-out")
    assert held["setups"] >= published["setups"] >= 18
    assert held["verdicts"] >= published["verdicts"] >= 16
    assert held["weights_n"] >= published["weights_n"] >= 3 and held["kv_n"] >= published["kv_n"] >= 7
    assert held["optimistic"] == 0, [r["id"] for r in scored["rows"] if r.get("optimistic")]
    assert held["agreement"] >= max(0.90, published["agreement"] - 1e-9)
    assert held["weights_median"] <= min(0.03, published["weights_median"] + 1e-6)
    assert held["weights_worst"] <= min(0.10, published["weights_worst"] + 1e-6)
    assert held["kv_median"] <= min(0.15, published["kv_median"] + 1e-6)
    assert held["kv_worst"] <= published["kv_worst"] + 1e-6
    informed, was = scored["by_split"]["informed"], tool.published(doc, "informed")
    assert informed["setups"] == was["setups"] == 3 and informed["optimistic"] == 0 and informed["agree"] >= was["agree"] == 2
    assert informed["weights_worst"] <= min(0.03, was["weights_worst"] + 1e-6)
    assert sum(s["setups"] for s in scored["by_split"].values()) == scored["overall"]["setups"]


def test_a_setup_that_failed_is_never_called_a_fit(scored):
    """On no split: the one held-out setup once called a fit (Qwen2.5-VL-3B at a utilization of 0.3, now informed) is tight."""
    failed = [r for r in scored["rows"] if r["outcome"] == "failed"]
    assert len({r["split"] for r in failed}) == 3
    assert all(r["pred_verdict"] in ("tight", "does-not-fit") for r in failed), [r["id"] for r in failed if r["pred_verdict"] == "fits"]
