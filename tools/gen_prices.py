"""Regenerate src/modelready/data/gpu_prices.yaml from SkyPilot-format catalogue CSVs (<cloud>/vms.csv).

SkyPilot's catalogue (github.com/skypilot-org/skypilot-catalog, catalogs/v8/<cloud>/vms.csv) lists every instance
type per region or zone with its on-demand `Price` and `SpotPrice` in USD per hour and, for GPU instances,
`AcceleratorName` and `AcceleratorCount`. The table keeps, per GPU (as data/gpus.yaml names it: by instance
type where gpus.yaml lists it, so Azure's NC H100 v5 is the H100 NVL, else by accelerator name), cloud and
region class, the median over zones of the cheapest instance price per GPU in each zone (an instance's price
divided by its whole GPUs; fractional-GPU instances are left out): one GPU-hour, the smallest host's vCPUs
and memory included. `by_host` keeps the same per host GPU count (1, 2, 4, 8 ...): a pod needing N GPUs runs on
one node, so normalize/cost.py prices it at the cheapest host of N or more. GCP prices the VM and the GPU
separately: its a2/a3/a4/g2 rows are the VM alone, kept as `vm_share` (the host's part per GPU), and the GPU's
own rows (empty InstanceType) as `gpu_only`.

    python tools/gen_prices.py --date 2026-12-07 aws=PATH/aws/vms.csv gcp=PATH/gcp/vms.csv azure=PATH/azure/vms.csv \
        --commit gcp=SHA --repo gcp=OWNER/NAME --dated gcp=YYYY-MM-DD --licence gcp=TEXT --note aws=TEXT

`--keep cloud=OUT.csv` also writes the rows of that cloud's file the table uses (tools/prices/ holds them, so the
table can be regenerated from the repository). Each cloud's file records where it came from (repository, path,
commit, its date, licence, rows read); a file that is an excerpt of a catalogue says which rows (--note).
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "modelready" / "data" / "gpu_prices.yaml"
REPO = "skypilot-org/skypilot-catalog"
PATHS = {REPO: "catalogs/v8/{cloud}/vms.csv"}
LICENCE = "Apache-2.0 (the SkyPilot project's licence; the catalogue repository states no other)"
# SkyPilot's accelerator names -> data/gpus.yaml's
NAMES = {"H100": "H100-80GB", "H100-MEGA": "H100-80GB", "H200": "H200-141GB", "A100": "A100-40GB", "A100-80GB": "A100-80GB",
         "L4": "L4", "L40S": "L40S", "A10G": "A10G", "A10": "A10", "T4": "T4", "V100": "V100-16GB", "V100-32GB": "V100-32GB",
         "B200": "B200", "MI300X": "MI300X", "GB200": "GB200"}
# GCP machine families whose price in the catalogue is the VM alone: the GPU each hosts (the count is the name's -Ng)
GCP_HOSTS = {"a2-highgpu": "A100-40GB", "a2-megagpu": "A100-40GB", "a2-ultragpu": "A100-80GB", "a3-highgpu": "H100-80GB",
             "a3-megagpu": "H100-80GB", "a3-edgegpu": "H100-80GB", "a3-ultragpu": "H200-141GB", "a4-highgpu": "B200",
             "g2-standard": "L4"}
# g2-standard-N hosts L4s by size, not by name (GCP's G2 machine table)
G2_L4S = {"4": 1, "8": 1, "12": 1, "16": 1, "32": 1, "24": 2, "48": 4, "96": 8}
# Azure regions by name: Americas, Europe with the Middle East and Africa, else Asia-Pacific
AZURE_US = ("us", "canada", "brazil", "mexico", "chile")
AZURE_EU = ("europe", "uk", "france", "germany", "norway", "sweden", "switzerland", "poland", "italy", "spain", "austria",
            "belgium", "denmark", "finland", "greece", "uae", "qatar", "israel", "southafrica", "saudi")


def _instances() -> list[tuple[str, str]]:
    """(instance-type prefix, GPU) from data/gpus.yaml, longest first: p4de before p4d."""
    table = yaml.safe_load((ROOT / "src" / "modelready" / "data" / "gpus.yaml").read_text(encoding="utf-8"))
    pairs = [(str(i).lower(), name) for name, g in table.items() if isinstance(g, dict) for i in g.get("instances") or []]
    return sorted(pairs, key=lambda p: -len(p[0]))


INSTANCES = _instances()


def gpu_of(kind: str, accelerator: str) -> str | None:
    """The gpus.yaml name for an instance type: by its family where gpus.yaml lists it, else by the accelerator."""
    k = kind.lower()
    for prefix, name in INSTANCES:
        if k == prefix or k.startswith((prefix + ".", prefix + "-")):
            return name
    if re.match(r"standard_ncc?\d+a\w*_h100_v5$", k):  # Azure's NC(C) H100 v5: the H100 NVL, 94 GB
        return "H100-NVL"
    return NAMES.get(accelerator)


def region_class(region: str, cloud: str = "") -> str:
    """us (and the Americas), eu (and the Middle East, Africa), asia (and Oceania)."""
    r = region.lower()
    if cloud == "azure":
        return "us" if any(w in r for w in AZURE_US) and "australia" not in r else "eu" if any(w in r for w in AZURE_EU) else "asia"
    if r.startswith(("us", "northamerica", "southamerica", "ca-", "sa-")):
        return "us"
    if r.startswith(("eu", "europe", "me-", "me", "africa", "af-", "il-")):
        return "eu"
    return "asia"


def _float(text: str | None, zero: bool = False) -> float | None:
    try:
        v = float(text or "")
    except ValueError:
        return None
    return v if v > 0 or (zero and v == 0) else None


def read(cloud: str, path: Path) -> tuple[dict, dict, int]:
    """(per-GPU prices, VM shares, rows read): {gpu: {class: {"on_demand": [..], "spot": [..], "instances": set}}}."""
    gpu: dict = {}
    share: dict = {}
    rows = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows += 1
            cls = region_class(row.get("Region", ""), cloud)
            kind = row.get("InstanceType") or ""
            name, count = row.get("AcceleratorName") or "", _float(row.get("AcceleratorCount"))
            host = next((g for fam, g in GCP_HOSTS.items() if kind.startswith(fam + "-")), None) if cloud == "gcp" else None
            if host and not name:
                size = kind.rsplit("-", 1)[-1]
                n = G2_L4S.get(size) if kind.startswith("g2-") else _float(size.rstrip("g"))  # a2-highgpu-8g: 8 GPUs
                if n:
                    slot = share.setdefault(host, {}).setdefault(cls, _slot())
                    _add(slot, row, n, kind, zero=True)  # a4's VM at 0.0: its GPUs' price is the machine's
                    _add(_host(slot, n), row, n, kind, zero=True)
                continue
            gname = gpu_of(kind, name) if name else None
            if gname is None or not count or count < 1:  # g6f-style GPU fractions are not a GPU-hour
                continue
            slot = gpu.setdefault(gname, {}).setdefault(cls, _slot())
            _add(slot, row, count, kind or f"{name} (GPU alone)")
            _add(_host(slot, count), row, count, kind or f"{name} (GPU alone)")
    return gpu, share, rows


def used(cloud: str, line: str, header: list[str]) -> bool:
    """Whether read() can take anything from this row: a GPU it names, or (GCP) a GPU host's VM price. The others
    (CPU-only machines) are skipped, so a file of the used rows alone gives the same table (--keep)."""
    row = dict(zip(header, next(csv.reader([line]))))
    kind, name = row.get("InstanceType") or "", row.get("AcceleratorName") or ""
    if cloud == "gcp" and not name and any(kind.startswith(fam + "-") for fam in GCP_HOSTS):
        return True
    return bool(name) and gpu_of(kind, name) is not None


def keep(cloud: str, path: Path, out: Path) -> int:
    """Write the rows of `path` that read() uses, unedited, under the file's header: an input small enough to commit."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    kept = [line for line in lines[1:] if line and used(cloud, line, header)]
    out.write_text("\n".join([lines[0], *kept]) + "\n", encoding="utf-8")
    return len(kept)


def _slot() -> dict:
    return {"on_demand": {}, "spot": {}, "instances": set(), "hosts": {}}


def _host(slot: dict, count: float) -> dict:
    """The slot of the hosts with `count` GPUs: a pod runs on one node, so 4 GPUs need a host of 4 or more."""
    return slot["hosts"].setdefault(int(count), _slot())


def _add(slot: dict, row: dict, count: float, kind: str, zero: bool = False) -> None:
    """Per zone, the cheapest price per GPU (and the instance it came from)."""
    zone = row.get("AvailabilityZone") or row.get("Region") or ""
    for key, col in (("on_demand", "Price"), ("spot", "SpotPrice")):
        v = _float(row.get(col), zero)
        if v is not None and (zone not in slot[key] or v / count < slot[key][zone][0]):
            slot[key][zone] = (v / count, kind)


def summarise(found: dict) -> dict:
    out: dict = {}
    for name, classes in sorted(found.items()):
        for cls, slot in sorted(classes.items()):
            entry = _entry(slot)
            if entry:
                hosts = {n: e for n, sub in sorted(slot["hosts"].items()) if (e := _entry(sub))}
                if hosts:
                    entry["by_host"] = hosts
                out.setdefault(name, {})[cls] = entry
    return out


def _entry(slot: dict) -> dict:
    """The median over zones of each zone's cheapest price per GPU, the zones and the instances it came from."""
    entry: dict = {k: round(statistics.median(p for p, _ in slot[k].values()), 4) for k in ("on_demand", "spot") if slot[k]}
    if entry:
        entry["zones"] = len(slot["on_demand"] or slot["spot"])
        entry["instances"] = sorted({i for k in ("on_demand", "spot") for _, i in slot[k].values()})
    return entry


def combine(gpus: dict, shares: dict) -> dict:
    """Where the cloud prices the GPU apart from its VM (GCP's a2/a3 rows), a GPU-hour is the GPU's own price
    plus the VM's share per GPU: both are kept (`gpu_only`, `vm_share`), and no total is claimed without both."""
    if not shares:
        return gpus
    out: dict = {}
    for name, classes in gpus.items():
        for cls, entry in classes.items():
            share = (shares.get(name) or {}).get(cls)
            merged = {"gpu_only": {k: entry[k] for k in ("on_demand", "spot") if k in entry}, "zones": entry["zones"],
                      "instances": entry["instances"]}
            if share:
                merged["vm_share"] = {k: share[k] for k in ("on_demand", "spot") if k in share}
                for k in ("on_demand", "spot"):
                    if k in entry and k in share:
                        merged[k] = round(entry[k] + share[k], 4)
                merged["instances"] = sorted(set(entry["instances"]) | set(share["instances"]))
                hosts = _hosts(entry, share)
                if hosts:
                    merged["by_host"] = hosts
            out.setdefault(name, {})[cls] = merged
    return out


def _hosts(gpu: dict, share: dict) -> dict:
    """Per host GPU count, the GPU's own price (the same on any host) plus that host's VM share per GPU."""
    out: dict = {}
    for n, vm in (share.get("by_host") or {}).items():
        total = {k: round(gpu[k] + vm[k], 4) for k in ("on_demand", "spot") if k in gpu and k in vm}
        if total:
            out[n] = {**total, "zones": vm["zones"], "instances": vm["instances"]}
    return out


def _pairs(items: list[str]) -> dict[str, str]:
    return dict(i.split("=", 1) for i in items)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="cloud=path/to/vms.csv")
    ap.add_argument("--date", required=True, help="when the table was generated (YYYY-MM-DD)")
    ap.add_argument("--commit", action="append", default=[], help="cloud=SHA of the catalogue commit read")
    ap.add_argument("--repo", action="append", default=[], help=f"cloud=OWNER/NAME of the repository read (default {REPO})")
    ap.add_argument("--dated", action="append", default=[], help="cloud=YYYY-MM-DD, the date of the commit read")
    ap.add_argument("--licence", action="append", default=[], help="cloud=TEXT, the licence of what was read")
    ap.add_argument("--note", action="append", default=[], help="cloud=TEXT: what was read, when it is not the whole file")
    ap.add_argument("--keep", action="append", default=[], help="cloud=OUT.csv: also write the rows of that cloud's file the table uses")
    ap.add_argument("--output", default=str(OUT))
    args = ap.parse_args(argv)
    commits, repos, dated, licences, notes, kept = (_pairs(x) for x in (args.commit, args.repo, args.dated, args.licence, args.note, args.keep))
    prices: dict = {}
    shares: dict = {}
    read_from = {}
    for spec in args.files:
        cloud, _, path = spec.partition("=")
        gpu, share, rows = read(cloud, Path(path))
        if cloud in kept:
            print(f"{kept[cloud]}: {keep(cloud, Path(path), Path(kept[cloud]))} rows of {path}")
        shared = summarise(share)
        for name, classes in combine(summarise(gpu), shared).items():
            prices.setdefault(name, {})[cloud] = classes
        for name, classes in shared.items():
            shares.setdefault(cloud, {})[name] = classes
        repo = repos.get(cloud, REPO)
        where = PATHS.get(repo, "{cloud}/vms.csv").format(cloud=cloud)
        read_from[cloud] = {"source": f"github.com/{repo} {where}", "commit": commits.get(cloud), "commit_date": dated.get(cloud),
                            "licence": licences.get(cloud, LICENCE if repo == REPO else "not stated"), "rows": rows,
                            "whole_file": cloud not in notes, **({"note": notes[cloud]} if cloud in notes else {})}
    doc = {"source": "SkyPilot-format catalogue CSVs (each cloud's file, commit and licence under `read`)", "date": args.date,
           "read": read_from, "unit": "USD per GPU-hour (instance price / its GPUs: host vCPUs and memory included)",
           "method": ("per zone the cheapest instance price per GPU; the median over the zones of the region class (us, eu, asia); "
                      "by_host: the same per host GPU count (a pod needing N GPUs runs on one host of N or more)"),
           "prices": prices, "vm_share": shares}
    header = (f"# GPU-hour prices by GPU, cloud and region class. Generated by tools/gen_prices.py on {args.date}; do not edit.\n"
              "# Override in .modelready.yaml (cost.prices: a negotiated rate, an on-premises cost per GPU-hour).\n")
    Path(args.output).write_text(header + yaml.safe_dump(doc, sort_keys=False, width=140), encoding="utf-8")
    print(f"{args.output}: {sum(len(c) for c in prices.values())} GPU × cloud entries from {', '.join(read_from)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
