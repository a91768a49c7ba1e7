"""The catalog covers every seed item. The seeds are parsed here from ../shared/seeds, not from a list."""

from __future__ import annotations

import json

from modelready.catalog import load, seed_items
from modelready.catalog.seeds import parse_seed
from modelready.checks import registry
from modelready.cli import main

from .conftest import shared_or_skip


def parsed_seeds() -> list[tuple[str, int, str]]:
    out = []
    for path in sorted(shared_or_skip("seeds").glob("00*.txt")):
        if path.name.startswith("003"):  # the README: prose, no items
            continue
        items = parse_seed(path.read_text(encoding="utf-8"), checkbox=not path.name.startswith("004"))
        out += [(path.name, n, text) for n, text in enumerate(items, 1)]
    return out


def test_every_seed_item_maps_to_one_catalog_item():
    seeds = parsed_seeds()
    assert len(seeds) == 189
    assert sum(1 for f, _, _ in seeds if f.startswith("004")) == 17
    assert ("001_4bf41111c7d66ad4.txt", 40, "Data governa") in seeds  # the truncated last item counts too
    cited: dict[tuple[str, str], list[str]] = {}
    for item in load().items:
        for s in item.seeds:
            cited.setdefault((s["file"], s["text"]), []).append(item.id)
    for file, n, text in seeds:
        assert len(cited.get((file, text), [])) == 1, f"{file} item {n} {text!r} maps to {cited.get((file, text))}"


def test_shipped_seed_texts_match_the_seed_files():
    shipped = [(s["file"], s["text"]) for s in seed_items()]
    assert shipped == [(f, t) for f, _, t in parsed_seeds()]


def test_overlapping_items_become_one():
    precision = next(i for i in load().items if i.id == "precision-explicit")
    assert {s["file"][:3] for s in precision.seeds} == {"000", "001", "002"}
    assert len(precision.seeds) == 4


def test_owners_and_phases_come_from_checklist_002():
    secrets = next(i for i in load().items if i.id == "secrets-handled")
    assert secrets.phase == "Phase 1" and secrets.owners == ("Platform", "MLOps")


def test_catalog_json_names_real_checks_and_every_check_is_named(capsys):
    assert main(["catalog", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    checks = registry()
    named = {c for item in doc["items"] for c in item["checks"]}
    assert named <= set(checks)
    assert set(checks) <= named
    for item in doc["items"]:
        # both ways: an item lists exactly the checks whose declaration names it, and nothing else does
        assert item["checks"] == [c.id for c in checks.values() if item["id"] in c.items], item["id"]
        assert item["mode"] in ("auto", "spec", "scan", "smoke", "attest")
        assert item["mode"] != "auto" or item["checks"], item["id"]
        assert item["mode"] != "spec" or item["spec_fields"], item["id"]
    assert doc["coverage"]["evidence_share"] >= 0.7


def test_profiles_select_their_checklist(capsys):
    for profile, seed in (("llm-k8s-vllm", "002"), ("genai", "001"), ("modelspec", "000"), ("classic-ml", "004")):
        main(["catalog", "--profile", profile, "--format", "json"])
        doc = json.loads(capsys.readouterr().out)
        covered = {s["text"] for i in doc["items"] for s in i["seeds"] if s["file"].startswith(seed)}
        assert len(covered) == sum(1 for f, _, _ in parsed_seeds() if f.startswith(seed))
    assert main(["catalog", "--profile", "nope"]) == 2


def test_items_yaml_keeps_no_second_copy_of_the_check_link():
    """Check.items is the one check <-> catalog link; items.yaml listing checks again is how they drifted
    (container-deps-pinned failed on image-tag-mutable, whose items never named it)."""
    from modelready.catalog import _text
    from modelready.data import load_yaml

    raw = load_yaml(_text("items.yaml"))
    assert not [r["id"] for r in raw["items"] if "checks" in r]
    container = next(i for i in load().items if i.id == "container-deps-pinned")
    assert "image-tag-mutable" not in container.checks and "container-deps-pinned" not in registry()["image-tag-mutable"].items


def test_every_check_item_is_in_the_catalog():
    ids = {i.id for i in load().items}
    for check in registry().values():
        assert set(check.items) <= ids, check.id
