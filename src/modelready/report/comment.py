"""The pull-request comment, built around what a reviewer decides: a headline that cannot contradict
itself, every new error (never capped, never cut), new warnings, pre-existing findings folded, the boxes a
person ticks, then the checklist per section, folded. The budget applies to the final body, markers
included; what does not fit is left to the job summary (every finding, its own 1 MiB budget), linked.

Works on the report document only (findings carry `baseline`: new | pre-existing, see baseline.py).
Every string from the files goes through report.inert (`text`, `code`); names are text, not code spans.
"""

from __future__ import annotations

import html
import re
from typing import Any, Callable

from .. import __version__
from . import verdict
from .document import FindingEntry, ItemEntry, Report
from .inert import code, text
from .marks import BY, MARKER, Hidden, attest_mark
COMMENT_LIMIT = 65536  # characters (GitHub's issue comment limit)
SUMMARY_LIMIT = 1024 * 1024  # bytes (a step's job summary)
FOLD_WARNINGS = 5  # more new warnings than this are folded
WARNINGS_CAPPED = 40  # when even folded they do not fit: this many, the rest in the job summary
BADGE = {"error": "🔴", "warning": "🟠", "info": "🔵"}
LEGEND = ("<sub>🔴 error · 🟠 warning · 🔵 info · ❌ item with an error · ⚠️ item with warnings · ✅ passed · "
          "☐ waits for a person · ➖ not applicable · ⏭️ skipped</sub>")
DOCS = "https://github.com/modelready/modelready/blob/v{version}/docs/checks.md#{check}"
_SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+/[A-Za-z0-9._~/#%?=&+-]*")  # a scanner's rule page: linked only when plainly a URL
# …and only on the scanners' own documentation sites, so no scanner output can link the comment elsewhere
RULE_SITES = ("https://avd.aquasec.com/", "https://trivy.dev/", "https://github.com/hadolint/hadolint/wiki/",
              "https://github.com/koalaman/shellcheck/wiki/")


def state_of(doc: Report, require_attestations: bool) -> dict[str, Any]:
    """The numbers the headline is made of, kept in the comment so a tick can re-title it."""
    v = verdict.of(doc)
    attest = [i for i in doc.catalog.items if i.mode == "attest"]
    return {"gate": v.gate, "fail_on": v.fail_on, "blocking": sum(v.blocking.values()), "blocking_errors": v.blocking["error"],
            "pre_existing": sum(v.pre_existing.values()),
            "audit": doc.baseline is None, "smoke_failed": sum(1 for r in doc.smoke or () if r.get("result") == "fail"),
            "attest": len(attest), "attested": sum(1 for i in attest if i.status == "passed"),
            "require": bool(require_attestations)}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def headline(s: dict[str, Any]) -> str:
    waiting = s["attest"] - s["attested"]
    pre = f" ({s['pre_existing']} pre-existing)" if s["pre_existing"] else ""
    if s["blocking"]:
        return _blocking(s)
    if s.get("smoke_failed"):  # the smoke table below says which
        return f"## ❌ modelready: {_plural(s['smoke_failed'], 'smoke run')} failed on a GPU"
    if waiting and s["require"]:
        return f"## ⏳ modelready: no new blocking findings{pre}; {_plural(waiting, 'attestation')} required"
    if waiting:
        return f"## ✅ modelready: no new blocking findings{pre} · {_plural(waiting, 'item')} wait{'s' if waiting == 1 else ''} for a person"
    return f"## ✅ modelready: no blocking findings{pre}, nothing waits for a person"


def _blocking(s: dict[str, Any]) -> str:
    n = s["blocking"]
    what = _plural(n, "new error") if n == s["blocking_errors"] else f"{_plural(n, 'new finding')} at {s['fail_on']} or above"
    if s["gate"] != "new" or s.get("audit"):
        what = what.replace(" new ", " ")
    if s.get("audit"):  # a repository's audit: nothing to block
        return f"## ❌ modelready: {what} in this repository"
    return f"## ❌ modelready: {what} block{'s' if n == 1 else ''} this pull request"


def build(doc: Report, link: Callable[[str, int], str | None], summary_url: str | None = None, ticked: dict[str, str] | None = None,
          require_attestations: bool = False, limit: int = COMMENT_LIMIT, full: bool = False, notes: str = "", head_sha: str = "",
          top: str = "") -> str:
    """The comment body (`full`: the job summary's, every finding listed; `limit` then counts UTF-8 bytes).
    `notes`: Markdown the caller adds (what the PR's config switches off; where the changed files and the
    config came from), kept at every level; `head_sha`: the commit this body shows, marked for attestations."""
    parts = _Parts(doc, link, ticked or {}, summary_url)
    state = state_of(doc, require_attestations)
    size = (lambda s: len(s.encode("utf-8"))) if full else len
    if size(notes) > limit // 4:  # the notes never push a new error out
        notes = notes[: limit // 8] + f"\n\n… (more in the {parts.summary_link()})\n"
    if size(top) > limit // 4:  # `top`: what the PR changes of the gate itself, first under the headline
        top = top[: limit // 8] + f"\n\n… (more in the {parts.summary_link()})\n"
    tail = Hidden(state, head_sha, verdict.of(doc).result).render()
    levels = range(0, 7)
    body = ""
    first = [MARKER, headline(state), "", *parts.cost_line()]
    for level in levels:
        body = "\n".join([*first, parts.subline(), top, *parts.sections(level, full), notes, "", LEGEND]) + "\n" + tail
        if size(body) <= limit:
            return body
    # Only new errors remain and they still do not fit: list those that do, the rest are in the job summary.
    head = "\n".join([*first, parts.subline(), top, ""])
    tail = notes + "\n" + tail
    room = limit - size(head) - size(tail) - 300
    lines, shown = [], 0
    errors = parts.new("error")
    for f in errors:
        line = parts.finding(f, compact=True)
        if size(line) + 1 > room:
            break
        lines.append(line)
        room -= size(line) + 1
        shown += 1
    rest = len(errors) - shown
    more = f"\n\n**{rest} more new error(s)** are listed in the {parts.summary_link()}." if rest else ""
    return head + f"### New errors ({len(errors)})\n\n" + "\n".join(lines) + more + "\n" + tail


def retitle(body: str, boxes: dict[str, tuple[bool, str]]) -> str:
    """After a tick: the headline and the attestation counts from the boxes now in the comment."""
    s = Hidden.read(body).state
    if not s:
        return body
    s["attested"] = sum(1 for ticked, _ in boxes.values() if ticked)
    s["attest"] = len(boxes)
    lines = body.split("\n")
    if len(lines) > 1 and lines[1].startswith("## "):
        lines[1] = headline(s)
    body = "\n".join(lines)
    body = re.sub(r"^### Waiting for a person \(\d+ of \d+ attested\)$", f"### Waiting for a person ({s['attested']} of {s['attest']} attested)", body, flags=re.M)
    return Hidden.restate(body, s)


def state(body: str) -> dict[str, Any] | None:
    return Hidden.read(body).state or None


class _Parts:
    def __init__(self, doc: Report, link: Callable[[str, int], str | None], ticked: dict[str, str], summary_url: str | None):
        self.doc, self.link, self.ticked, self.summary_url = doc, link, ticked, summary_url
        self.names = {d.id: d.name for d in doc.deployments}
        self.rules = {r.id: r for r in doc.rules}
        self.active = sorted(doc.active, key=lambda f: (-f.rank, f.file, f.line, f.check))

    def new(self, severity: str) -> list[FindingEntry]:
        return [f for f in self.active if f.severity == severity and f.is_new]

    def pre(self) -> list[FindingEntry]:
        return [f for f in self.active if f.baseline == "pre-existing"]

    def summary_link(self) -> str:
        return f"[job summary]({self.summary_url})" if self.summary_url else "job summary of this run"

    def subline(self) -> str:
        s, b = self.doc.summary, self.doc.baseline
        deps = sorted({d.name for d in self.doc.deployments if d.serving})
        shown = ", ".join(text(n) for n in deps[:8]) + (f" and {len(deps) - 8} more" if len(deps) > 8 else "")
        gate = s.gate or "touched"
        bits = [f"gate `{gate}` (fail on {s.fail_on})"]
        if b is not None and b.available:
            bits.append(f"compared with {code(str(b.source)[:40])}")
            if b.fixed:
                bits.append(f"{b.fixed} fixed")
        bits.append(f"{len(deps)} serving deployment(s){': ' + shown if deps else ''}")
        n = s.findings
        bits.append(f"{n['error']} error(s), {n['warning']} warning(s), {n['info']} info in scope")
        line = "<sub>" + " · ".join(bits) + "</sub>"
        if b is not None and not b.available:
            line += f"\n\n⚠️ **No baseline** ({text(b.why or '')}): every finding counts as new."
        return line

    def cost_line(self) -> list[str]:
        """What the change does to the GPU bill, first (as Infracost's comment); nothing when it does not move."""
        line = (self.doc.cost_diff or {}).get("line")
        return [line, ""] if line else []

    def cost(self, full: bool, level: int) -> list[str]:
        """The job summary: every deployment's GPU cost; the comment: the changed ones, folded."""
        from . import cost

        diff = self.doc.cost_diff
        changed = bool((diff or {}).get("changed"))
        if full or (diff is None and level < 3):  # no base to compare (a file report): every deployment's cost
            rows = cost.table(self.doc)
            if not full:
                return ["", "<details><summary>GPU cost per deployment</summary>", "", *rows, "", "</details>"] if rows else []
            return ["", "### GPU cost per deployment", "", *rows] if rows else []
        if not changed or level >= 3:
            return []
        rows = cost.table(self.doc, only_changed=True)
        return ["", "<details><summary>GPU cost of the changed deployments</summary>", "", *rows, "", "</details>"] if rows else []

    def finding(self, f: FindingEntry, compact: bool = False) -> str:
        where = f.file + (f":{f.line}" if f.line else "")
        url = self.link(f.file, f.line)
        loc = f"[{code(where)}]({url})" if url else code(where)
        check = f.check
        doc_url = f.rule_url if "/" in check else DOCS.format(version=__version__, check=check)
        cid = f"[{code(check)}]({doc_url})" if doc_url and _SAFE_URL.fullmatch(doc_url) and doc_url.startswith((DOCS.split("{")[0], *RULE_SITES)) else code(check)
        who = self.names.get(f.subject)
        line = f"- {BADGE[f.severity]} {loc} {text(f.message)} <sub>{cid}{' · ' + text(who) if who else ''}</sub>"
        rule = self.rules.get(check)
        fix = rule.passed if rule is not None else None
        if fix and not compact:  # a line of its own in the item (GitHub shows the break)
            line += f"\n  <sub>↳ expected: {text(fix)}</sub>"
        return line

    def _fold(self, title: str, findings: list[FindingEntry], open_: bool = False) -> list[str]:
        return ["", f"<details{' open' if open_ else ''}><summary>{title}</summary>", "", *(self.finding(f) for f in findings), "", "</details>"]

    def sections(self, level: int, full: bool) -> list[str]:
        """Level 0 shows all; each level up gives up one thing, never a new error:
        1 checklist as counts, 2 pre-existing as counts, 3 warnings without hints and notices as counts,
        4 at most WARNINGS_CAPPED warnings, 5 warnings as counts, 6 errors without hints."""
        out: list[str] = []
        errors, infos = self.new("error"), self.new("info")
        if full:
            level = min(level, 0) if level < 6 else level
        if errors:
            out += ["", f"### New errors ({len(errors)})", "", *(self.finding(f, compact=level >= 6) for f in errors)]
        out += self.warnings(level)
        if infos:
            if level >= 3:
                out += ["", f"{len(infos)} new notice(s): listed in the {self.summary_link()}."]
            else:
                out += self._fold(f"New notices ({len(infos)})", infos)
        out += self.pre_existing(level)
        out += self.memory(level)
        out += self.cost(full, level)
        out += self.smoke()
        out += self.attestations()
        out += self.spec_fields()
        out += self.checklist(summary_only=level >= 1)
        return out

    def memory(self, level: int) -> list[str]:
        """Each deployment's memory figures, folded under its name; they give way before any warning does."""
        from . import memory

        out: list[str] = []
        if level >= 3:
            return out
        for d in self.doc.deployments:
            mem = d.memory
            if mem:
                verdict = memory.VERDICT.get(mem["verdict"], "")
                out += ["", f"<details><summary>Memory of {text(d.name)}: {text(verdict)}, {mem['kv_tokens']} KV tokens per replica</summary>", "",
                        *(f"- {text(line)}" for line in memory.lines(mem)), "", "</details>"]
        return out

    def warnings(self, level: int) -> list[str]:
        warnings = self.new("warning")
        if not warnings:
            return []
        if level >= 5:
            return ["", f"**{len(warnings)} new warning(s)**: listed in the {self.summary_link()}."]
        shown = warnings[:WARNINGS_CAPPED] if level == 4 else warnings
        lines = [self.finding(f, compact=level >= 3) for f in shown]
        if len(shown) < len(warnings):
            lines.append(f"- … and {len(warnings) - len(shown)} more, listed in the {self.summary_link()}")
        if len(warnings) > FOLD_WARNINGS:
            return ["", f"<details><summary><strong>New warnings ({len(warnings)})</strong></summary>", "", *lines, "", "</details>"]
        return ["", f"### New warnings ({len(warnings)})", "", *lines]

    def pre_existing(self, level: int) -> list[str]:
        pre = self.pre()
        if not pre:
            return []
        counts = ", ".join(f"{sum(1 for f in pre if f.severity == s)} {s}" for s in ("error", "warning", "info") if any(f.severity == s for f in pre))
        title = f"Pre-existing findings, not introduced by this pull request ({counts})"
        if level >= 2:
            return ["", f"**{title}**: listed in the {self.summary_link()}."]
        return self._fold(title, pre)

    def smoke(self) -> list[str]:
        runs = list(self.doc.smoke or ())
        if not runs:
            return []
        out = ["", "<details open><summary>GPU smoke run</summary>", "",
               "| deployment | result | cold start | TTFT p50 | latency p95 | output tokens/s | errors | peak GPU memory |",
               "|---|---|---|---|---|---|---|---|"]
        for r in runs:
            load = r.get("load") or {}
            devs = (r.get("gpu") or {}).get("devices") or []
            cells = [text(r["target"]), "✅ pass" if r["result"] == "pass" else "❌ fail",
                     f"{r['cold_start_s']:.1f} s" if r.get("cold_start_s") is not None else "not ready",
                     f"{load['ttft_ms']['p50']} ms" if load.get("ttft_ms") else "–",
                     f"{load['latency_ms']['p95']} ms" if load.get("latency_ms") else "–",
                     str(load.get("output_tokens_per_s", "–")) if load else "–",
                     f"{load.get('errors')}/{load.get('requests')}" if load else "–",
                     f"{max(d['peak_memory_used_mib'] for d in devs)} MiB" if devs else "no GPU"]
            out.append("| " + " | ".join(cells) + " |")
        return out + self.per_token(runs) + ["", "</details>"]

    @staticmethod
    def per_token(runs: list[dict[str, Any]]) -> list[str]:
        """USD per 1M output tokens at each run's measured throughput, against the ModelSpec's target."""
        out = []
        for r in runs:
            c = r.get("cost")
            if not c:
                continue
            target = c.get("target_usd_per_1m_tokens")
            held = "" if target is None else f" (target ${target:,.4g}: {'over' if c['over_target'] else 'within'})"
            out.append(f"- {text(r['target'])}: **${c['usd_per_1m_output_tokens']:,.4g} per 1M output tokens** at {c['output_tokens_per_s']:,.1f} "
                       f"tokens/s on {text(c['gpus'])} (${c['usd_per_replica_hour']:,.2f}/hour){held}")
        return ["", *out] if out else []

    def attestations(self) -> list[str]:
        items = [i for i in self.doc.catalog.items if i.mode == "attest"]
        if not items:
            return []
        done = sum(1 for i in items if i.status == "passed")
        out = ["", f"### Waiting for a person ({done} of {len(items)} attested)", "",
               "<sub>Tick a box to attest it (people with write access; other ticks are reverted).</sub>", ""]
        for i in items:
            # a recorded tick is our own text (attest.BY: a login and a time), kept as it is for the next run to read
            tick = self.ticked.get(i.id) or (i.why if i.status == "passed" else None)
            if tick is not None and BY.fullmatch(f"<sub>{tick}</sub>"):
                out.append(f"- [x] {text(i.title)} {attest_mark(i.id)} <sub>{tick}</sub>")
            elif i.status == "passed":
                out.append(f"- [x] {text(i.title)} {attest_mark(i.id)} <sub>{text(i.why)}</sub>")
            else:  # attested for some deployments only: said (never in BY's form, so no run reads it as a tick)
                held = self.partly(i.partial) if i.partial else ""
                out.append(f"- [ ] {text(i.title)} {attest_mark(i.id)} <sub>awaiting a person{held}</sub>")
        return out

    @staticmethod
    def partly(p: dict[str, Any]) -> str:
        """An attestation that holds for some deployments only: who (a login the bot recorded), when, for which."""
        who, at = str(p["by"]), str(p["at"])
        if not (re.fullmatch(r"[\w-]+", who) and re.fullmatch(r"[0-9T:\-]+Z", at)):  # only ever the bot's own record
            return ""
        return (f"; attested by @{who} on {at} for {text(', '.join(p['covers']))} only; "
                f"{text(', '.join(p['missing']))} changed since or was not in the pull request then")

    def spec_fields(self) -> list[str]:
        """Spec items not declared, one line per ModelSpec (or one line when there is none)."""
        per_spec: dict[str, list[str]] = {}
        no_spec: list[str] = []
        for i in self.doc.catalog.items:
            if i.mode != "spec" or i.findings or i.status not in ("awaiting", "failed"):
                continue
            if i.status == "awaiting":
                no_spec += list(i.spec_fields)
                continue
            for path, file in re.findall(r"spec\.(\S+) in (\S+?)(?:;|$| and)", i.why):
                per_spec.setdefault(file, []).append(path)
        if not per_spec and not no_spec:
            return []
        out = ["", "### Not declared in a ModelSpec", ""]
        for file, fields in sorted(per_spec.items()):
            out.append(f"- ☐ {code(file)}: " + ", ".join(code('spec.' + f) for f in fields))
        if no_spec:
            out.append(f"- ☐ no ModelSpec describes these deployments; one would decide {len(no_spec)} field(s): "
                       + ", ".join(code('spec.' + f) for f in no_spec[:12]) + (" …" if len(no_spec) > 12 else ""))
        return out

    def checklist(self, summary_only: bool) -> list[str]:
        sections: dict[str, list[ItemEntry]] = {}
        for i in self.doc.catalog.items:
            if i.mode == "attest" or (i.mode == "spec" and not i.findings and i.status in ("awaiting", "failed")):
                continue  # listed above
            sections.setdefault(i.section, []).append(i)
        out = ["", f"### Checklist {code(self.doc.catalog.profile)}"]
        for section, items in sections.items():
            marks = [self._mark(i) for i in items]
            counts = " · ".join(f"{marks.count(m)} {m}" for m in ("❌", "⚠️", "✅", "⏭️", "➖") if m in marks)
            if summary_only:
                out.append(f"- **{text(section)}**: {counts}")
                continue
            # an HTML block: Markdown escapes would show; the section names are the catalog's own words
            out += ["", f"<details><summary><strong>{html.escape(section)}</strong>: {counts}</summary>", ""]
            order = {"❌": 0, "⚠️": 1, "✅": 2, "⏭️": 3, "➖": 4}
            for i, m in sorted(zip(items, marks), key=lambda p: order[p[1]]):
                out.append(f"- {m} {text(i.title)} — {self._why(i, m)}")
            out += ["", "</details>"]
        return out

    def _mark(self, item: ItemEntry) -> str:
        """Only error findings make an item ❌; warnings ⚠️; an item failed by info findings alone passes."""
        if item.status == "failed":
            found = [self.doc.findings[k] for k in item.findings]
            # ❌ only for an error this pull request introduces: a pre-existing one does not block, nor reads as if
            sev = {f.severity if f.baseline != "pre-existing" or f.severity != "error" else "warning" for f in found}
            return "❌" if "error" in sev or not sev else "⚠️" if "warning" in sev else "✅"
        return {"passed": "✅", "skipped": "⏭️", "not_applicable": "➖", "awaiting": "⏭️"}.get(item.status, "➖")

    def _why(self, item: ItemEntry, mark: str) -> str:
        if item.findings:
            fs = [self.doc.findings[k] for k in item.findings]
            return ", ".join(f"{sum(1 for f in fs if f.severity == s)} {s}" for s in ("error", "warning", "info") if any(f.severity == s for f in fs))
        if item.status == "passed" and item.evidence:
            ev = [self.names.get(e, e) for e in item.evidence[:3]]
            return "<sub>" + ", ".join(text(e) for e in ev) + (f" +{len(item.evidence) - 3}" if len(item.evidence) > 3 else "") + "</sub>"
        return f"<sub>{text(str(item.why)[:300])}</sub>"
