"""Score modelready's memory model against the calibration set of published engine logs.

    .venv/bin/python tools/memory_accuracy.py                      # print the figures: all, fit, held-out
    .venv/bin/python tools/memory_accuracy.py --json out.json      # the figures as JSON (another model: PYTHONPATH=...)
    .venv/bin/python tools/memory_accuracy.py --write docs/memory-accuracy.md [--before before.json] [--held-before main.json]

Each setup of tests/memory_calibration.yaml becomes a Deployment (the engine's image at the version, the GPU's
product label, the model by Hub id or its config.json in the repository, the flags), run through the pipeline
offline. Scored: the verdict (fits / tight / does not fit) against the outcome (a setup that started agrees with
fits or tight, one that failed with does not fit or tight; "fits" on a failed setup is optimistic), weights per GPU
against the log, and the KV capacity in tokens (or GiB where the log gives no tokens) against the log.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.memory_pod import pod  # noqa: E402 - the one pod the memory tests write too
SETUPS = ROOT / "tests" / "memory_calibration.yaml"
GIB = 2**30

def load(path: Path = SETUPS) -> list[dict]:
    """The setups scored (those marked `scored: false` say why they are not)."""
    return [s for s in yaml.safe_load(path.read_text(encoding="utf-8"))["setups"] if s.get("scored", True)]


def _label(gpu: str) -> str:
    from modelready import data

    spec = data.gpus().get(gpu)
    labels = spec["labels"] if spec else [gpu]
    return next((lab for lab in labels if lab[0].isupper()), labels[0])


def deployment_files(s: dict, folder: Path) -> None:
    """Write the setup as a repository: deploy.yaml and, for a model not in the bundled table, its config.json."""
    model = s["model"]
    cfg = s.get("config")
    if cfg is None and (s.get("quantization_config") or s.get("config_extra")):
        from modelready.normalize.resolve import table

        cfg = {**table()[model.lower()][1]["config"], **(s.get("config_extra") or {})}
        if s.get("quantization_config"):
            cfg["quantization_config"] = s["quantization_config"]
    if cfg is not None:
        name = model.rsplit("/", 1)[-1]
        (folder / "models" / name).mkdir(parents=True)
        (folder / "models" / name / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
        model = f"/models/{name}"
    tp = int(s.get("tp", 1))
    if s.get("engine") == "sglang":
        image, command = f"lmsysorg/sglang:v{s['version']}", ["python3", "-m", "sglang.launch_server"]
        args = ["--model-path", model, "--tp", str(tp), *s.get("flags", [])]
    else:
        image, command = f"vllm/vllm-openai:v{s['version']}", None
        args = ["--model", model, "--tensor-parallel-size", str(tp), *s.get("flags", [])]
    manifest = pod(args, image, gpu=_label(s["gpu"]), gpus=int(s.get("gpus", tp)), env=(s.get("env") or {}).items(), command=command)
    (folder / "deploy.yaml").write_text(manifest, encoding="utf-8")


def predict(s: dict) -> dict:
    """What modelready says of one setup: verdict, weights GiB per GPU, KV tokens and GiB."""
    from modelready import pipeline
    from modelready.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        deployment_files(s, folder)
        result = pipeline.run([folder], Config(), folder)
    ds = [d for d in result.deployments if d.engine]
    if not ds:
        return {"verdict": "fits", "weights_gib": None, "kv_tokens": None, "kv_gib": None, "why": "no engine found"}
    d = ds[0]
    mem = getattr(d, "memory", None)
    if isinstance(mem, dict) and mem.get("verdict"):
        return {"verdict": mem["verdict"], "weights_gib": mem.get("weights_gib"), "kv_tokens": mem.get("kv_tokens"),
                "kv_gib": mem.get("kv_gib"), "why": mem.get("verdict_reason", "")}
    return _predict_findings(d, result)  # a model without the memory object (main before issue 24)


def _predict_findings(d, result) -> dict:
    from modelready.checks._fit import fit

    mine = [f for f in result.findings if f.check in ("gpu-memory-insufficient", "gpu-memory-tight")]
    verdict = "fits"
    for f in mine:
        if f.check == "gpu-memory-insufficient" or "would not start" in f.message:
            verdict = "does-not-fit"
        elif "fits only if" in f.message and verdict == "fits":
            verdict = "tight"
    f = fit(d) if d.engine is not None and d.engine.name == "vllm" else None
    if f is None:
        return {"verdict": verdict, "weights_gib": None, "kv_tokens": None, "kv_gib": None, "why": "no fit"}
    return {"verdict": verdict, "weights_gib": f.weights, "kv_tokens": f.tokens(), "kv_gib": f.kv, "why": ""}


def score(setups: list[dict]) -> dict:
    rows = []
    for s in setups:
        p = predict(s)
        row = {"id": s["id"], "split": s.get("split", "fit"), "version": str(s["version"]), "gpu": s["gpu"], "engine": s.get("engine", "vllm"),
               "outcome": s.get("outcome"), **{f"pred_{k}": v for k, v in p.items()}}
        if s.get("outcome") in ("started", "failed"):
            v = p["verdict"]
            row["agrees"] = v == "tight" or (v == "fits") == (s["outcome"] == "started")
            row["optimistic"] = s["outcome"] == "failed" and v == "fits"
        if s.get("weights_gib") and p["weights_gib"]:
            row["weights_err"] = p["weights_gib"] / s["weights_gib"] - 1
        if s.get("kv_tokens") and p["kv_tokens"] is not None:
            row["kv_err"] = p["kv_tokens"] / s["kv_tokens"] - 1
        elif s.get("kv_gib") and s["kv_gib"] > 0.5 and p["kv_gib"] is not None:
            row["kv_err"] = p["kv_gib"] / s["kv_gib"] - 1
        rows.append(row)
    return {"rows": rows, "overall": summary(rows), "by_split": _group(rows, lambda r: r["split"]),
            "by_version": _group(rows, lambda r: _family(r["version"])), "by_gpu": _group(rows, lambda r: r["gpu"])}


def _family(version: str) -> str:
    parts = version.split(".")
    return ".".join(parts[:2])


def _group(rows: list[dict], key) -> dict:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return {k: summary(v) for k, v in sorted(out.items())}


def summary(rows: list[dict]) -> dict:
    verdicts = [r for r in rows if "agrees" in r]
    w = [abs(r["weights_err"]) for r in rows if "weights_err" in r]
    kv = [abs(r["kv_err"]) for r in rows if "kv_err" in r]
    return {"setups": len(rows), "verdicts": len(verdicts), "agree": sum(r["agrees"] for r in verdicts),
            "agreement": sum(r["agrees"] for r in verdicts) / len(verdicts) if verdicts else None,
            "optimistic": sum(r["optimistic"] for r in verdicts), "tight": sum(r.get("pred_verdict") == "tight" for r in verdicts),
            "weights_n": len(w), "weights_median": statistics.median(w) if w else None, "weights_worst": max(w) if w else None,
            "kv_n": len(kv), "kv_median": statistics.median(kv) if kv else None, "kv_worst": max(kv) if kv else None}


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _table(groups: dict, title: str) -> list[str]:
    out = [f"| {title} | setups | verdicts agree | optimistic | tight | weights median / worst (n) | KV capacity median / worst (n) |",
           "|---|---|---|---|---|---|---|"]
    for k, s in groups.items():
        out.append(f"| {k} | {s['setups']} | {s['agree']}/{s['verdicts']} ({_pct(s['agreement'])}) | {s['optimistic']} | {s['tight']} | "
                   f"{_pct(s['weights_median'])} / {_pct(s['weights_worst'])} ({s['weights_n']}) | "
                   f"{_pct(s['kv_median'])} / {_pct(s['kv_worst'])} ({s['kv_n']}) |")
    return out


def markdown(after: dict, before: dict | None, held_before: dict | None = None) -> str:
    lines = ["# Memory model accuracy", "",
             "Generated by `tools/memory_accuracy.py --write docs/memory-accuracy.md` from the calibration set",
             "`tests/memory_calibration.yaml` (published vLLM and SGLang logs, each cited there). A setup that started agrees",
             "with *fits* or *tight*, one that failed with *does not fit* or *tight*; *optimistic* counts *fits* on a setup",
             "that failed. Errors are |predicted / logged − 1|: weights per GPU, KV capacity in tokens (GiB where the log",
             "gives no tokens). `tests/test_memory_accuracy.py` fails when a figure falls below the one published here.", ""]
    if before is not None:
        lines += ["## Before (main at 07194c6, on the 40 fit setups)", "", *_table({"all": before["overall"]}, "set"), "",
                  *_table(before["by_version"], "vLLM / SGLang release"), "", *_table(before["by_gpu"], "GPU"), ""]
    held = after["by_split"].get("held-out")
    lines += ["## After", "", *_table({"all": after["overall"], **after["by_split"]}, "set"), "",
              *_table(after["by_version"], "release"), "", *_table(after["by_gpu"], "GPU"), "", *HELD_OUT, "",
              *(_held_tables(after["rows"], held) if held else ["No held-out setup yet."]), "",
              *(_before_after(held_before, after) if held_before else []), "## Setups", "",
              "| setup | split | engine | release | GPU | outcome | verdict | weights err | KV err |", "|---|---|---|---|---|---|---|---|---|"]
    for r in after["rows"]:
        lines.append(f"| {r['id']} | {r['split']} | {r['engine']} | {r['version']} | {r['gpu']} | {r['outcome'] or '—'} | {r['pred_verdict']} | "
                     f"{_pct(r.get('weights_err'))} | {_pct(r.get('kv_err'))} |")
    lines += ["", f"<!-- figures: {json.dumps(after['overall'])} -->"]
    if "fit" in after["by_split"]:
        lines.append(f"<!-- fit: {json.dumps(after['by_split']['fit'])} -->")
    if held:
        lines.append(f"<!-- held-out: {json.dumps(held)} -->")
    if "informed" in after["by_split"]:
        lines.append(f"<!-- informed: {json.dumps(after['by_split']['informed'])} -->")
    return "\n".join(lines + [""])


def _before_after(before: dict, after: dict) -> list[str]:
    """Held-out and informed setups scored by the model before the fixes (main, same setups) and after."""
    out = ["## Held out and informed, before and after the three fixes", "",
           "Before: main's model (3896789, the memory model as at af11a0b) on the same setups (`PYTHONPATH=<main>/src",
           "tools/memory_accuracy.py --json`); after: this model. The 21 first held out are the 18 still held out and the 3 that",
           "informed a fix. The held-out setups' figures do not move: no fix touched them.", ""]
    first = {f"21 first held out, {k}": summary([r for r in d["rows"] if r["split"] in ("held-out", "informed")])
             for k, d in (("before", before), ("after", after))}
    out += [*_table(first, "set"), ""]
    for split in ("held-out", "informed"):
        if split in before["by_split"] and split in after["by_split"]:
            out += [*_table({f"{split}, before": before["by_split"][split], f"{split}, after": after["by_split"][split]}, "set"), ""]
    return out


def _held_tables(rows: list[dict], held: dict) -> list[str]:
    mine = [r for r in rows if r["split"] == "held-out"]
    return [*_table({"held-out": held}, "set"), "", *_table(_group(mine, lambda r: _family(r["version"])), "release (held out)"), "",
            *_table(_group(mine, lambda r: r["gpu"]), "GPU (held out)")]


HELD_OUT = ["## Held out", "",
            "The constants of `data/memory.yaml` were chosen against the setups marked *fit* (the first 40, session 1 of issue 24, up",
            "to 6847fa6), so the figures above are in-sample for them. The rule, fixed before any held-out setup was scored: a setup",
            "added after those constants froze (main af11a0b) is `split: held-out`, is scored with the constants as they are, and no",
            "constant changes because of it. One correction to the data, not the model: the Qwen3-Coder-480B setups were first",
            "written with the 96 GB H20 and so scored (KV capacity −85 %); their own log rules that GPU out (the setup's note says",
            "why) and they name the 141 GB H20.",
            "",
            "Scored first, the 21 held-out setups showed three structural gaps, none a constant. Each was fixed from vLLM's own",
            "source, and the three setups that showed them are now `split: informed` (scored, reported apart, never counted as held",
            "out again; each setup's `informed` field names its fix):",
            "- **One optimistic verdict**: Qwen2.5-VL-3B at `--gpu-memory-utilization 0.3` on an 80 GB A100 (vLLM 0.8, 128,000",
            "  tokens) did not start; modelready said it fits with 8.0–14.7 GiB of KV cache. V1's `profile_run`",
            "  (vllm/v1/worker/gpu_model_runner.py) runs the encoder on min(cdiv(budget, item), max_num_seqs) copies of one maximal",
            "  item, the budget being max(max_num_batched_tokens, item); Qwen2.5-VL's maximal image is 12,845,056 pixels",
            "  (preprocessor_config.json max_pixels): 65,536 patches of 14, 16,384 tokens after the 2×2 merger. modelready had",
            "  profiled 2,048 encoder positions. Now: *tight* (4.3–12.9 GiB left against 4.39 GiB for one sequence). Not *does not",
            "  fit*: the failure needs more than 12 GiB of overhead, which the encoder's item alone does not explain; the rest is",
            "  not modelled (the report does not claim it).",
            "- **Weights −6.7 %**: gpt-oss-20b on an A100 at vLLM 0.19 took 13.72 GiB. Below SM90 vLLM's MXFP4 MoE backend is",
            "  Marlin, which rounds each expert's intermediate size to 128 and hidden size to 256 (2880 × 2880 → 2944 × 3072;",
            "  vllm/model_executor/layers/quantization/mxfp4.py `create_weights`, commit 007d500). Now −0.5 %. (Its KV capacity",
            "  moves from −22.9 % to −25.2 %: the larger weights are real; the overhead model is what is left.)",
            "- **Weights −3.7 %** on OPT-125m: OPT's learned position table (max_position_embeddings + 2 rows, vLLM's",
            "  `OPTLearnedPositionalEmbedding`) was not counted. Now −2.5 %: modelready's count equals the checkpoint's 125.2M",
            "  parameters; the rest of the logged 244.61 MiB is not in the weights and is left alone.",
            "",
            "One fit setup moved with the Qwen2.5-VL fix, for the better: Qwen2.5-VL-72B on four 40 GB A100s (failed) went from",
            "*tight* to *does not fit*. The other held-out setups' figures are unchanged.",
            "",
            "What the remaining held-out setups show:",
            "- **KV worst +670 %** is vLLM 0.2.5's profiling regression (vllm#2136: 112 blocks where 0.2.4 had 1,464 on the same",
            "  GPUs and flags); the model knows no per-release bugs. Without that setup the worst is the 0.2.4 twin, −41 %",
            "  (pessimistic: 13,792 tokens predicted, 23,424 logged).",
            "",
            "Few setups per release and GPU: read these as a check on the fit, not a measure of it."]


def published(path: Path, part: str = "figures") -> dict:
    """The figures a docs/memory-accuracy.md publishes: overall ("figures"), of the fit setups ("fit"), of the
    held-out setups ("held-out") or of those that informed a fix ("informed")."""
    text = path.read_text(encoding="utf-8")
    marker = f"<!-- {part}: "
    start = text.rindex(marker) + len(marker)
    return json.loads(text[start:text.index(" -->", start)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--write", type=Path, help="write the Markdown report")
    ap.add_argument("--before", type=Path, help="figures of the model before (JSON from --json) for the report")
    ap.add_argument("--held-before", type=Path, help="figures of main's model on the same setups (JSON from --json): held-out before/after")
    args = ap.parse_args(argv)
    result = score(load())
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    if args.write:
        before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else None
        held_before = json.loads(args.held_before.read_text(encoding="utf-8")) if args.held_before else None
        args.write.write_text(markdown(result, before, held_before), encoding="utf-8")
    print(json.dumps({"all": result["overall"], **result["by_split"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
