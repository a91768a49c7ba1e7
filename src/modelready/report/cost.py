"""A pull request's GPU cost against its base, as Infracost shows one for Terraform: per deployment and in
total, GPU-hours and USD per month at the expected replicas and at the most an autoscaler allows.

Works on report documents only: each deployment's `cost` object (normalize/cost.py). The comment's line
is built here from our own words and numbers; deployment names go through report.inert.text.
"""

from __future__ import annotations

from typing import Any

from .document import DeploymentEntry, Report
from .inert import text


def diff(head: Report, base: Report, source: str) -> dict[str, Any]:
    """The report's `cost_diff`: what the head adds to or removes from the base, per deployment with GPUs."""
    before = {d.id: d for d in base.deployments if d.cost}
    after = {d.id: d for d in head.deployments if d.cost}
    rows = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        row = _row(key, b, a)
        if row["changed"]:
            rows.append(row)
    total = {"gpu_hours_per_month": {p: sum(r["gpu_hours_per_month"][p] or 0 for r in rows) for p in ("expected", "max")},
             "usd_per_month": {p: _sum([r["usd_per_month"][p] for r in rows]) for p in ("expected", "max")},
             "unbounded": any(r["unbounded"] for r in rows)}
    out = {"base": source, "changed": bool(rows), "deployments": rows, "total": total}
    out["line"] = headline(out) if rows else None
    return out


def _row(key: str, b: DeploymentEntry | None, a: DeploymentEntry | None) -> dict[str, Any]:
    bc, ac = (b.cost if b else None) or {}, (a.cost if a else None) or {}
    either = a or b
    name = either.name if either is not None else key
    row: dict[str, Any] = {"id": key, "name": name, "status": "added" if b is None else "removed" if a is None else "changed",
                 "gpu": ac.get("gpu") or bc.get("gpu"), "gpu_before": bc.get("gpu"), "gpu_after": ac.get("gpu"),
                 "gpus_before": _gpus(bc, "expected") or 0, "gpus_after": _gpus(ac, "expected") or 0,
                 "max_replicas": (ac.get("replicas") or {}).get("max"), "unbounded": bool((ac.get("replicas") or {}).get("unbounded")),
                 "price_source": ac.get("price_source") or bc.get("price_source"),
                 "usd_before": _usd(bc, "expected"), "usd_after": _usd(ac, "expected"),
                 "gpu_hours_per_month": {}, "usd_per_month": {}}
    row["changed"] = _deltas(row, bc, ac)
    return row


def _deltas(row: dict[str, Any], bc: dict[str, Any], ac: dict[str, Any]) -> bool:
    """Fill the row's GPU-hour and USD deltas; whether anything moved."""
    moved = False
    for point in ("expected", "max"):
        hb, ha = _hours(bc, point), _hours(ac, point)
        row["gpu_hours_per_month"][point] = None if hb is None or ha is None else ha - hb
        ub, ua = _usd(bc, point), _usd(ac, point)
        row["usd_per_month"][point] = None if ub is None or ua is None else round(ua - ub, 2)
        # None: unbounded (hours) or unpriced (USD) on one side; changed unless it is so on both alike
        moved |= (hb != ha) or (ub != ua)
    return moved


def _gpus(c: dict[str, Any], point: str) -> int | None:
    n = (c.get("replicas") or {}).get(point)
    return None if n is None or not c else c["gpus_per_replica"] * n


def _usd(c: dict[str, Any], point: str) -> float | None:
    """A side without GPUs costs 0; a side whose GPUs have no price, None."""
    return ((c.get("usd_per_month") or {}).get(point)) if c else 0.0


def _hours(c: dict[str, Any], point: str) -> int | None:
    return (c.get("gpu_hours_per_month") or {}).get(point) if c else 0


def _sum(values: list[Any]) -> float | None:
    return None if any(v is None for v in values) else round(sum(values), 2)


def money(v: float) -> str:
    return f"{'+' if v > 0 else '-' if v < 0 else '±'}${abs(v):,.0f}"


def hours(v: int) -> str:
    return f"{'+' if v > 0 else '-' if v < 0 else '±'}{abs(v):,}"


def _what(r: dict[str, Any]) -> str:
    name = text(r["name"])
    gpu = text(r["gpu"] or "GPU of an unnamed type")
    delta = r["gpus_after"] - r["gpus_before"]
    if r["gpu_before"] and r["gpu_after"] and r["gpu_before"] != r["gpu_after"]:
        return f"{r['gpus_before']} × {text(r['gpu_before'])} → {r['gpus_after']} × {text(r['gpu_after'])} on {name}"
    if delta > 0:
        return f"{delta} × {gpu} added to {name}"
    if delta < 0:
        return f"{-delta} × {gpu} removed from {name}"
    return f"{name}'s scaling or price"


def headline(d: dict[str, Any]) -> str:
    """The comment's cost line, e.g. `💰 GPU cost +$40,179/month (+5,840 GPU-hours: 8 × H100-80GB added to
    llama-70b), max +$80,358 if it scales to 2 replicas`."""
    rows, t = d["deployments"], d["total"]
    what = _what(rows[0]) if len(rows) == 1 else f"{len(rows)} deployments"
    usd_e, hrs_e = t["usd_per_month"]["expected"], t["gpu_hours_per_month"]["expected"]
    unpriced = [r for r in rows if r["usd_per_month"]["expected"] is None]
    if usd_e is not None:
        line = f"💰 **GPU cost {money(usd_e)}/month** ({hours(hrs_e)} GPU-hours: {what})"
    elif len(unpriced) == len(rows):
        line = f"💰 **GPU cost {hours(hrs_e)} GPU-hours/month** ({what}; no price without the GPU type: see the job summary)"
    else:
        known = sum(r["usd_per_month"]["expected"] for r in rows if r not in unpriced)
        line = (f"💰 **GPU cost {money(known)}/month** for the priced GPUs ({hours(hrs_e)} GPU-hours in all: {what}; "
                f"{len(unpriced)} without a price: GPU type not named)")
    return line + _at_most(rows, t)


def _at_most(rows: list[dict[str, Any]], t: dict[str, Any]) -> str:
    """`, max +$X if it scales to N replicas` when the autoscaler's maximum costs more than the expected."""
    if t["unbounded"]:
        return ", no upper bound if it scales (no maximum replicas)"
    usd_m, hrs_m = t["usd_per_month"]["max"], t["gpu_hours_per_month"]["max"]
    if hrs_m == t["gpu_hours_per_month"]["expected"]:
        return ""
    top = rows[0]["max_replicas"] if len(rows) == 1 else None
    at = f" if it scales to {top} replicas" if top else " at the autoscalers' maximum"
    return f", max {money(usd_m)}{at}" if usd_m is not None else f", max {hours(hrs_m)} GPU-hours{at}"


def table(doc: Report, only_changed: bool = False) -> list[str]:
    """The per-deployment table (the job summary's, every deployment with GPUs; the comment's, those changed)."""
    changes = {r["id"]: r for r in (doc.cost_diff or {}).get("deployments") or []}
    deps = [d for d in doc.deployments if d.cost and (not only_changed or d.id in changes)]
    if not deps:
        return []
    out = ["| deployment | GPUs × replicas (min / expected / max) | GPU-hours/month (expected) | USD/month min / expected / max | price | change |",
           "|---|---|---|---|---|---|"]
    out += [_table_row(d, changes.get(d.id)) for d in deps[:200]]
    for ch in changes.values():
        if ch["status"] == "removed":
            e = ch["usd_per_month"]["expected"]
            out.append(f"| {text(ch['name'])} (removed) | – | – | – | – | {money(e) if e is not None else '–'} |")
    if len(deps) > 200:
        out.append(f"| … {len(deps) - 200} more in the JSON report | | | | | |")
    return out


def _table_row(d: DeploymentEntry, ch: dict[str, Any] | None) -> str:
    c = d.cost or {}
    r = c["replicas"]
    top = "∞" if r["unbounded"] else r["max"]
    usd = c.get("usd_per_month")
    dollars = " / ".join("∞" if v is None else f"${v:,.0f}" for v in usd.values()) if usd else "no price"
    price = (f"${c['price']['usd_per_gpu_hour']:.2f}/GPU-h {c['capacity']} ({text(c['price']['cloud'])} {text(c['price']['region'])})"
             if c.get("price") else text(c["price_source"])[:120])
    return (f"| {text(d.name)} | {c['gpus_per_replica']} {text(c['gpu'] or 'GPU (type not named)')} × {r['min']} / {r['expected']} / {top} "
            f"| {c['gpu_hours_per_month']['expected']:,} | {dollars} | {price} | {_change(ch)} |")


def _change(ch: dict[str, Any] | None) -> str:
    if not ch:
        return "–"
    e = ch["usd_per_month"]["expected"]
    return f"{money(e)}/month" if e is not None else f"{hours(ch['gpu_hours_per_month']['expected'] or 0)} GPU-h"
