"""Content from a pull request, made inert for every output.

PR content (file and object names, values, messages from Helm, Trivy and engines) is hostile: it must
not write Markdown elements, mention people, emit workflow commands or leak a secret. Every reporter
renders content through these functions, and nothing else decides how:

- `code(s)` and `text(s)`: a Markdown code span fenced longer than any backtick run inside, or text with
  every Markdown, HTML, autolink, mention and emoji trigger escaped; both on one line (newlines folded);
- `command_data(s)`, `command_property(s)` and `StreamGuard`: GitHub's documented escaping of workflow
  command values, and a stream filter so that no line written to stdout/stderr starts a command, but for
  the commands modelready itself writes through `command()` (`::error` / `::warning` with every value
  escaped, `::stop-commands::`), given to `StreamGuard.command`;
- `xml_text(s)`: characters XML 1.0 cannot carry at all replaced, for JUnit;
- `redact(s)` and `redact_tree(value)`: tokens and URL credentials masked, wherever they came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TextIO

from ..masking import MASK as REDACTED

_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
# C0 and C1 controls (ESC and CSI start terminal sequences; C1's are single characters of the same): shown as \ufffd
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # after newlines are folded (\x85 is one)
_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # where line breaks stay (JUnit, SARIF, annotations)
ZWSP = "\u200b"  # breaks a trigger GitHub applies to rendered text (mentions, autolinks, emoji) without a visible change

# Masked: tokens of known formats (Hugging Face, GitHub, OpenAI, AWS, Slack, GitLab, Google, Stripe, JWT,
# PEM private keys), Slack and Discord webhooks, bearer/basic credentials, Azure SAS signatures and account
# keys, the password of `user:password@host` with or without a scheme (`redis://:PASS@host`,
# `root:PASS@tcp(db)`), the value of a `name: value` whose name says secret.
#
# Fast on a whole report (redaction runs once on every byte that leaves): each rule is tried only where one
# of its literal triggers stands (found with str.find, case folded for ASCII only so positions hold), and
# matched there, anchored; no lookahead rescans the text. No value class crosses a quote, a backslash or
# markup: redaction runs on serialized JSON, XML and Markdown and must leave them well formed.
_V = r"[^\s\"'\\,;}{\[\]<>`|$]"  # a value's characters
_DIGIT, _LETTER = re.compile(r"\d"), re.compile(r"[A-Za-z]")


def _looks_generated(value: str) -> bool:
    r"""A value that looks generated (a digit and a letter on one line), not prose. Two scans a line, not the regex
    `\d.*[A-Za-z]|[A-Za-z].*\d`: that tried each letter of a long run of letters to the line's end (quadratic: a
    300 KB token value in a manifest took hours)."""
    return any(_DIGIT.search(line) and _LETTER.search(line) for line in value.split("\n"))


# a rule's hit -> its replacement, or None where the hit is no secret after all
_Mask = Callable[[re.Match[str]], str | None]


class _Rule:
    def __init__(self, triggers: tuple[str, ...], pattern: str, mask: _Mask, folded: bool = True, boundary: bool = True) -> None:
        self.triggers, self.pattern, self.mask = triggers, re.compile(pattern), mask
        self.folded, self.boundary = folded, boundary  # triggers lower case, found case-insensitively; no letter or digit before


def _generated(keep_group: int) -> _Mask:
    def mask(m: re.Match[str]) -> str | None:
        value = m.group(keep_group + 1)
        return None if not _looks_generated(value) else m.group(keep_group) + REDACTED
    return mask


_SECRET_NAMED = r"(?:api[_-]?key|access[_-]?key|token|secret(?:[_-]?key)?|password|passwd|pwd|credentials?|auth)"
_TOKEN = (r"(?:hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-(?:proj-)?[A-Za-z0-9_\-]{16,}"
          r"|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])|xox[abposr]-[A-Za-z0-9\-]{10,}|glpat-[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{35}"
          r"|[rs]k_live_[0-9A-Za-z]{16,}|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
          r"|-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\[nr])*(?:-----END [A-Z ]*PRIVATE KEY-----)?)")
_RULES = (
    _Rule(("hf_", "gh", "github_pat_", "sk", "akia", "asia", "xox", "glpat-", "aiza", "rk_live_", "eyj", "-----begin "), _TOKEN,
          lambda m: REDACTED),
    _Rule(("hooks.slack.com/", "discord"),
          r"(?i)((?:hooks\.slack\.com/(?:services|workflows|triggers)|discord(?:app)?\.com/api/webhooks)/)[A-Za-z0-9_/\-]{8,}",
          lambda m: m.group(1) + REDACTED, boundary=False),
    _Rule(("bearer", "basic", "token"), r"(?i)((?:bearer|basic|token)\s+)([A-Za-z0-9._~+/=\-]{12,})", _generated(1)),
    _Rule(("sig=", "accountkey=", "sharedaccesssignature=", "x-amz-signature=", "signature="),
          r"(?i)((?:sig|accountkey|sharedaccesssignature|x-amz-signature|signature)=)[A-Za-z0-9%+/=_\-]{8,}",
          lambda m: m.group(1) + REDACTED),
    _Rule(("api", "access", "token", "secret", "passw", "pwd", "credential", "auth"),
          r"(?i)(" + _SECRET_NAMED + r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?)(" + _V + r"{8,})", _generated(1)),
    _Rule(("://",), r"(://[^/\s:@\"'\\]{0,256}:)([^/\s@\"'\\]{1,256})@",
          lambda m: None if m.group(2) == REDACTED else m.group(1) + REDACTED + "@", folded=False, boundary=False),
)
_DSN = re.compile(r":([^/\s:@\"'\\<>]{1,256})@(?=[\w\[(])")  # `:password@host`
_DSN_USER = re.compile(r"[\w.%+-]{1,64}\Z")  # the user, just before the colon
_DIGEST = re.compile(r"sha\d+:")


def _patterns(s: str) -> str:
    """`s` with every rule's hits masked; a hit that overlaps an earlier one is dropped."""
    hits = _hits(s)
    if not hits:
        return s
    out, at = [], 0
    for start, end, masked in hits:
        if start < at:
            continue
        out += [s[at:start], masked]
        at = end
    out.append(s[at:])
    return "".join(out)


def _fold(s: str) -> str:
    """`s` lower-cased with its positions kept (a trigger found there is matched in `s` itself), for the ASCII triggers
    only: each other character as `?`, but the Kelvin sign, which `lower()` makes a k. (`lower()` of a whole report
    holding one `—` takes the slow Unicode path: four times this; `translate` ten times.)"""
    if s.isascii():
        return s.lower()
    return s.replace("\u212a", "k").encode("ascii", "replace").lower().decode("ascii")


def _hits(s: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) of every rule at each of its triggers, in order (by start, the longer first, then by
    rule)."""
    folded = _fold(s)
    if len(s) < 4096 and not _ANY_TRIGGER.search(folded):  # a long text holds some trigger anyway
        return []
    found: list[tuple[int, int, int, str]] = []
    anchored = _anchored_starts(folded) if len(s) >= _LONG else _NONE
    for lit, fold, rules in _TRIGGERS:
        hay = folded if fold else s
        if lit in anchored:
            starts = anchored[lit]
        else:
            i = hay.find(lit)
            if i == -1:  # most triggers of most strings
                continue
            starts = _finds(hay, lit, i)
        for r in rules:
            _rule_hits(r, _RULES[r], s, starts, found)
    found += [(start, -end, len(_RULES), masked) for start, end, masked in _dsn_hits(s)]
    found.sort()  # as a stable sort by (start, -end) of the hits rule by rule did it
    return [(start, -neg_end, masked) for start, neg_end, _r, masked in found]


def _rule_hits(r: int, rule: _Rule, s: str, starts: list[int], found: list[tuple[int, int, int, str]]) -> None:
    match, mask, boundary = rule.pattern.match, rule.mask, rule.boundary
    for i in starts:
        if not (boundary and i and s[i - 1].isascii() and s[i - 1].isalnum()):
            m = match(s, i)
            if m is not None and (masked := mask(m)) is not None:
                found.append((i, -m.end(), r, masked))


# Each trigger is searched once for all the rules it starts (`token`: two). In a long text (a whole report) the
# triggers holding a character rare in text (`=`: five of them, z) are found from where that character stands:
# str.find of one character is memchr, a tenth of a search for a short literal, which scans the whole report once
# per trigger. (x, j and w stand too often: each place costs a Python step, more than a search.)
_BY_TRIGGER: dict[tuple[str, bool], list[int]] = {}
for _r, _rule in enumerate(_RULES):
    for _lit in _rule.triggers:
        _BY_TRIGGER.setdefault((_lit, _rule.folded), []).append(_r)
_TRIGGERS = tuple((lit, fold, tuple(rules)) for (lit, fold), rules in _BY_TRIGGER.items())
_NONE: dict[str, list[int]] = {}
_RARE = "=z"
_ANCHORED: dict[str, list[tuple[str, int]]] = {}  # a rare character -> the folded triggers holding it, at its first place
for _lit, _fold_it in _BY_TRIGGER:
    _anchor = next((c for c in _RARE if c in _lit), None)
    if _fold_it and _anchor is not None:
        _ANCHORED.setdefault(_anchor, []).append((_lit, _lit.index(_anchor)))
_LONG = 65536  # below, a search per trigger costs less than setting up the anchors


def _anchored_starts(folded: str) -> dict[str, list[int]]:
    """Where each trigger holding a rare character stands in a long folded text, found from that character."""
    out: dict[str, list[int]] = {}
    for anchor, lits in _ANCHORED.items():
        found = _anchored(folded, anchor, lits, len(folded) // 512)
        if found is not None:
            out.update(found)
    return out


def _finds(hay: str, lit: str, i: int) -> list[int]:
    """Every place of `lit` in `hay` from `i`, its first."""
    out = []
    while i != -1:
        out.append(i)
        i = hay.find(lit, i + 1)
    return out


def _anchored(hay: str, anchor: str, lits: list[tuple[str, int]], most: int) -> dict[str, list[int]] | None:
    """Where each of `lits` (a trigger and the place of `anchor` in it) stands, found from each `anchor` in `hay`;
    None where `anchor` stands more than `most` times (a search per trigger is then cheaper)."""
    out: dict[str, list[int]] = {lit: [] for lit, _k in lits}
    p, seen = hay.find(anchor), 0
    while p != -1:
        seen += 1
        if seen > most:
            return None
        for lit, k in lits:
            if p >= k and hay.startswith(lit, p - k):
                out[lit].append(p - k)
        p = hay.find(anchor, p + 1)
    return out


def _dsn_hits(s: str) -> list[tuple[int, int, str]]:
    """user:password@host without a scheme (a DSN): not an image digest (name:tag@sha256:…). Found by one scan in C
    for `:password@host` (the password holds no colon, so its colon is the last before the @)."""
    hits = []
    for m in _DSN.finditer(s):
        colon, at = m.start(), m.end() - 1
        if s.startswith("sha", at + 1) and _DIGEST.match(s[at + 1:at + 8]):
            continue
        user = _DSN_USER.search(s, max(0, colon - 64), colon) if colon > 0 else None
        before = s[user.start() - 1] if user and user.start() else " "
        if user and m.group(1) != REDACTED and not (before.isalnum() or before in "_/.:@-"):
            hits.append((user.start(), at, s[user.start():colon + 1] + REDACTED))
    return hits


class _Known:
    """Secret values read from the files (values under secret-named keys, Secret data, tokens), and what a
    template makes of them (upper/lower case, base64, a prefix trimmed), masked wherever they appear:
    a pattern cannot recognise `b64enc` of a token, the value itself can."""

    MAX = 2000  # values learned; the matcher is a trie, so its cost does not grow with them

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None
        self.generation = 0  # one more each time a value is learned: a text marked redacted at an older one is not

    def learn(self, value: str) -> None:
        import base64

        value = value.strip()
        if len(value) < 8 or len(self.values) >= self.MAX or value == REDACTED or any(c in value for c in "\"\\\n\r"):
            return
        forms = {value}
        for prefix in ("hf_", "ghp_", "gho_", "ghs_", "github_pat_", "sk-", "glpat-", "xoxb-", "xoxp-", "Bearer ", "bearer "):
            if value.startswith(prefix) and len(value) - len(prefix) >= 8:
                forms.add(value[len(prefix):])
        for f in list(forms):
            forms |= {f.upper(), f.lower()}
        for f in list(forms):
            raw = f.encode()
            forms |= {base64.b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
        new = {f for f in forms if len(f) >= 8} - self.values
        if new:
            self.values |= new
            self.pattern = None
            self.generation += 1
            _REDACTED.clear()  # what was redacted before this value was known may hold it
            _REDACTED_BYTES[0] = 0

    def sub(self, s: str) -> str:
        if not self.values:
            return s
        return self._compiled().sub(REDACTED, s)

    def found_in(self, s: str) -> bool:
        return bool(self.values) and self._compiled().search(s) is not None

    def _compiled(self) -> re.Pattern[str]:
        if self.pattern is None:
            self.pattern = re.compile(_trie(sorted(self.values)))
        return self.pattern

    def within(self, alphabet: frozenset[str], names: str) -> bool:
        """Whether some value learned is made of `alphabet`'s characters only, or stands in `names`."""
        return any(alphabet.issuperset(v) or v in names for v in self.values)


_Trie = dict[str, "_Trie"]  # a character -> the trie of what follows it; "" -> {} where a word ends


def _trie(words: list[str]) -> str:
    """One regular expression matching any of `words`, longest first, factored on common prefixes (the
    engine follows one branch per character instead of trying every word at every position)."""
    root: _Trie = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        # a run of single children is one literal, walked, not recursed: a long secret (a PEM key in a Secret)
        # would otherwise go one Python frame deep per character
        run = ""
        while "" not in node and len(node) == 1:
            ch, node = next(iter(node.items()))
            run += re.escape(ch)
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return run
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return run + (f"(?:{body})?" if end else body)

    return build(root)


# Every literal a rule starts at, and `@`, in the folded text: a string holding none of them has no hit (one scan in C,
# where most strings of a report, names and numbers, end). A trie: an alternation of thirty literals under (?i) is
# tried literal by literal at every position, ten times slower.
_ANY_TRIGGER = re.compile(_trie(sorted({t for r in _RULES for t in r.triggers} | {"@"})))


KNOWN = _Known()
_SECRET_NAME = re.compile(r"(?i)token|secret|passw(?:or)?d|api[_-]?key|access[_-]?key|credential|private[_-]?key|auth|dsn|webhook")
# a key naming where a secret is (secretKeyRef, secretName, tokenFile, existingSecret), not holding one
_REFERENCE = re.compile(r"(?i)(?:ref|name|file|path|env|existing[_-]?secret|keys?ref|mount|volume|provider|type|enabled)$")
_NOT_A_VALUE = re.compile(r"^(?:\$|<|\{\{|\$\{)|\s")  # `$HF_TOKEN`, `<your-token>`, a template: no value yet


def _learn_value(value: str) -> None:
    if len(value) >= 8 and _looks_generated(value) and not _NOT_A_VALUE.search(value):
        KNOWN.learn(value)


def learn(tree: object, secret: bool = False, depth: int = 0) -> None:
    """Remember the secret values of a JSON-like tree (Helm values, a Kubernetes object): every generated
    looking string under a secret-named key, the value of an `env` entry with such a name, the data of a
    Secret, every token a pattern finds."""
    if depth > 100:
        return
    if isinstance(tree, dict):
        _learn_mapping(tree, secret, depth)
    elif isinstance(tree, list):
        scanned = _SCANNED
        for v in tree:
            if isinstance(v, str):
                if secret or v not in scanned:  # a string seen and not a secret's: nothing to do, and no call
                    _learn_string(v, secret)
            elif isinstance(v, (dict, list)):
                learn(v, secret, depth + 1)
    elif isinstance(tree, str):
        _learn_string(tree, secret)


def _learn_mapping(tree: dict[Any, Any], secret: bool, depth: int) -> None:
    # every value of every tree read comes through here: strings are learned in place and numbers skipped,
    # not each passed through learn() (a third of a run's CPU went to that walk); a key is decided once (_SECRET_KEYS)
    # (only a mapping with a `name`, or a whole object, can hold more secrets than its keys say)
    also = _also_secret(tree, depth) if depth == 0 or "name" in tree else ()
    decided, scanned = _SECRET_KEYS, _SCANNED
    for k, v in tree.items():
        held = decided.get(k)  # a key decided was scanned when it was (scanning it again learns nothing new)
        if held is None:
            key, held = _new_key(k)
        else:
            key = k
        holds = secret or held or key in also
        if isinstance(v, str):
            if holds or v not in scanned:  # a string seen and not a secret's (most of them): no call
                _learn_string(v, holds)
        elif isinstance(v, dict):
            if depth < 100:  # as learn() bounds it
                _learn_mapping(v, holds, depth + 1)
        elif isinstance(v, list):
            learn(v, holds, depth + 1)


def _new_key(k: Any) -> tuple[str, bool]:
    """A key not decided yet, as text: scanned (it may hold a token itself), and whether it names a secret."""
    key = k if isinstance(k, str) else str(k)
    if key is k and k not in _SCANNED:
        _learn_string(k, False)
    held = _SECRET_KEYS.get(key)
    return key, _secret_key(key) if held is None else held


def _also_secret(tree: dict[Any, Any], depth: int) -> tuple[str, ...]:
    """The keys of `tree` holding secrets beyond secret-named ones: the `value` of an entry named like a secret, a
    Secret's data (whose values are learned decoded here)."""
    name = tree.get("name")
    named_secret = isinstance(name, str) and _secret_key(name, name_only=True)  # an `env` entry, a Secret's key
    whole_secret = depth == 0 and tree.get("kind") == "Secret"
    if whole_secret and isinstance(tree.get("data"), dict):
        for encoded in tree["data"].values():
            _learn_decoded(encoded)
    return ("value",) * named_secret + ("data", "stringData") * whole_secret


def _secret_key(key: str, name_only: bool = False) -> bool:
    """A key naming a secret (not one saying where a secret is: secretKeyRef); `name_only`: the secret-name pattern
    alone, as an entry's `name` is read."""
    memo = _SECRET_NAMES if name_only else _SECRET_KEYS
    held = memo.get(key)
    if held is None:
        held = bool(_SECRET_NAME.search(key)) and (name_only or not _REFERENCE.search(key))
        if len(memo) < 100_000:  # keys and names repeat across every object: decided once each
            memo[key] = held
    return held


_SECRET_KEYS: dict[str, bool] = {}
_SECRET_NAMES: dict[str, bool] = {}


def _learn_string(s: str, secret: bool) -> None:
    if secret:
        _learn_value(s.strip())
    if s in _SCANNED:  # the values sets of one chart repeat the same strings many times
        return
    if len(_SCANNED) < 200_000:
        _SCANNED.add(s)
    for start, end, masked in _hits(s):  # a token, password or key: what a template makes of it too
        KNOWN.learn(s[start + len(masked) - len(REDACTED):end])


_SCANNED: set[str] = set()  # strings whose pattern hits were learned already


def _learn_decoded(encoded: object) -> None:
    import base64
    import binascii

    if isinstance(encoded, str) and len(encoded) < 65536:
        try:
            _learn_value(base64.b64decode(encoded, validate=True).decode("utf-8").strip())
        except (binascii.Error, ValueError):
            pass


def redact(s: str) -> str:
    """The one redaction, applied where text leaves the program (every writer): known secret values and
    what was derived from them, then the patterns above."""
    if not s or (_MARKED and s is _MARKED[0] and _MARKED[1] is KNOWN and _MARKED[2] == KNOWN.generation):
        return s
    if len(s) > 16384:
        return _patterns(KNOWN.sub(s))
    done = _REDACTED.get(s)
    if done is None:
        if _REDACTED_BYTES[0] > 32 * 1024 * 1024:
            _REDACTED.clear()
            _REDACTED_BYTES[0] = 0
        done = _REDACTED[s] = _patterns(KNOWN.sub(s))
        _REDACTED_BYTES[0] += len(s) + len(done)
    return done


def mark(s: str) -> str:
    """`s`, made by a writer that redacted it as `redact` would (report/wire.py's `redacted`): `redact` gives this
    very text back as it is while nothing new has been learned (the last one marked only, held until the next)."""
    _MARKED[:] = [s, KNOWN, KNOWN.generation]
    return s


_MARKED: list[object] = []


def nothing_to_mask(s: str) -> bool:
    """`redact(s)` would find nothing in `s`: no value learned stands in it, and no rule hits it."""
    return not KNOWN.found_in(s) and not _hits(s)


def inert_key(name: str) -> bool:
    """A key written `"name":` before any value starts no hit, whatever the value: a name of letters, digits and `_`
    that no rule hits alone (no rule reads past its closing quote but the secret-name one) and that does not end in
    a secret's name (where that one reads on, into the value: `"token":"v`)."""
    return _IDENTIFIER.fullmatch(name) is not None and not _hits(f'"{name}":') and not _ENDS_SECRET_NAMED.search(name)


_IDENTIFIER = re.compile(r"[A-Za-z0-9_]+")
_ENDS_SECRET_NAMED = re.compile(r"(?i)" + _SECRET_NAMED + r"\Z")


_REDACTED: dict[str, str] = {}  # texts (names, paths, messages) come back many times: redacted once each
_REDACTED_BYTES = [0]  # what it holds, bounded


def redact_tree(value: Any) -> Any:
    """`redact` over every string of a JSON-like value, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_tree(v) for v in value]
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_tree(v) for k, v in value.items()}
    return value


# bidirectional controls (embeddings, overrides, isolates, marks): a file name can reorder what a reviewer
# reads ("Trojan Source"), so each is shown by its code point instead
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def fold(s: object) -> str:
    """One line: newlines of any kind shown as ⏎, other control characters (escape sequences) as �,
    bidirectional controls as <U+202E>-style text."""
    return unbidi(_CONTROL.sub("\ufffd", _NEWLINES.sub(" ⏎ ", redact(str(s)))))


def visible(s: object) -> str:
    """Text that may keep its line breaks (JUnit, SARIF messages, annotations) with nothing that steers a
    reader: control characters as \ufffd, bidirectional controls by their code points. Redacted first, so
    no escape splits a secret into pieces a pattern no longer knows."""
    return unbidi(_HIDDEN.sub("\ufffd", redact(str(s))))


MAX_VALUE = 200  # a run of non-space characters longer than this (an image name, a flag) is shown by its two ends
MAX_MESSAGE = 2000
_LONG_VALUE = re.compile(r"\S{%d,}" % (MAX_VALUE + 1))


def shorten(s: str) -> str:
    """A message as every output carries it: each value longer than MAX_VALUE elided in its middle, the whole
    at most MAX_MESSAGE characters (a 1 MB image name is no 1 MB message). Redacted first: a secret cut in
    two would no longer be recognised."""
    s = redact(s)
    if len(s) <= MAX_VALUE:
        return s
    return _elide(_LONG_VALUE.sub(lambda m: _elide(m.group(0), MAX_VALUE), s), MAX_MESSAGE)


def _elide(s: str, limit: int) -> str:
    if len(s) <= limit:
        return s
    keep = limit - 40
    head = keep * 2 // 3
    tail = keep - head
    return f"{s[:head]}…[{len(s) - head - tail:,} characters elided]…{s[len(s) - tail:]}"


def unbidi(s: str) -> str:
    """Bidirectional controls shown by their code points (plain text: a check run's annotation)."""
    return _BIDI.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", s)


# Markdown: backslash escapes for every character that can open an inline element or raw HTML (CommonMark
# escapes any ASCII punctuation), a leading one that could open a block, then zero-width breaks for what
# GitHub links in rendered text (mentions, URLs, www., emoji shortcodes, #123 references).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")
_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)(?=[.)]))")
_GITHUB_TRIGGERS = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?<=@)(?=\w)|(?<=:)(?=[\w+\-])|(?<=#)(?=\d)")


def text(s: object) -> str:
    """Markdown text that renders as exactly these characters: no HTML, link, image, mention, emoji or
    line structure can come out of it."""
    s = _BLOCK_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\"), _MD_SPECIAL.sub(r"\\\1", fold(s)))
    return _GITHUB_TRIGGERS.sub(ZWSP, s)


def code(s: object) -> str:
    """A Markdown code span holding `s` verbatim (folded onto one line): its fence is one backtick longer
    than the longest run inside, so nothing closes it early."""
    s = fold(s)
    if not s:
        return "` `"
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith(("`", " ")) or s.endswith(("`", " ")) else ""
    return f"{fence}{pad}{s}{pad}{fence}"


# Characters XML 1.0 cannot carry at all (a NUL in an engine argument would make a whole JUnit file invalid).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(s: object) -> str:
    """Text an XML 1.0 document can hold (ElementTree escapes markup, not these): each such character as \ufffd;
    shown by a CI dashboard, so `visible` too."""
    return _NOT_XML.sub("\ufffd", visible(s))


def table_cell(s: object) -> str:
    """Text for a GFM table cell: a `|` splits cells even inside a code span, so it is escaped too."""
    return text(s)


# Workflow commands (docs.github.com, "Workflow commands for GitHub Actions"): a value is escaped with
# % -> %25, CR -> %0D, LF -> %0A; a property also with : -> %3A and , -> %2C.
def command_data(s: object) -> str:
    return visible(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(s: object) -> str:
    return command_data(s).replace(":", "%3A").replace(",", "%2C")


_COMMAND_START = re.compile(r"^(\s*)(::|##\[)", re.M)
# the only command lines written as they are: built by `command` (no raw `,` or `:` in a property, no line
# break anywhere), or the stop-commands pair around text
_OWN_COMMAND = re.compile(r"::(?:error|warning|notice)(?: [a-z]+=[^,:\r\n]*(?:,[a-z]+=[^,:\r\n]*)*)?::[^\r\n]*"
                          r"|::stop-commands::[0-9a-f]{32}|::[0-9a-f]{32}::")


def command(name: str, data: object, **properties: object) -> str:
    """A workflow command line (`error`, `warning` or `notice`) with its properties and message escaped."""
    if name not in ("error", "warning", "notice"):
        raise ValueError(f"not a command modelready writes: {name}")
    props = ",".join(f"{k}={command_property(v)}" for k, v in properties.items() if v not in (None, ""))
    return f"::{name}{' ' + props if props else ''}::{command_data(' '.join(str(data).split()))}"


def guard_lines(s: str) -> str:
    """Text for stdout/stderr where no line may start a workflow command (`::name…` or the older `##[name]`):
    such a start gets its first character percent-escaped, as the runner's own escaping writes it. A text holding
    neither start anywhere is given back as it is (two scans in C: the pattern's `^` is tried at every position of a
    15 MB one-line JSON report, 0.12 s)."""
    s = redact(s)
    if "::" not in s and "##[" not in s:
        return s
    return _COMMAND_START.sub(lambda m: m.group(1) + ("%3A:" if m.group(2) == "::" else "%23#["), s)


class StreamGuard:
    """Wraps stdout or stderr so that everything written passes `guard_lines`, whoever writes it.
    Lines are held until complete, so a command split over two writes is caught too."""

    def __init__(self, stream: TextIO) -> None:
        self._stream, self._pending = stream, ""

    def write(self, s: str) -> int:
        if not self._pending and s.endswith("\n"):  # whole lines: this very text (a report `mark`ed redacted stays so)
            self._stream.write(guard_lines(s))
            return len(s)
        data = self._pending + s
        head, sep, self._pending = data.rpartition("\n")
        if sep:
            self._stream.write(guard_lines(head + sep))
        return len(s)

    def command(self, line: str) -> None:
        """A workflow command modelready itself writes: as it is when it is one line `command()` builds (or
        a stop-commands marker), else through the guard like anything else."""
        if _OWN_COMMAND.fullmatch(line):
            self.flush()
            self._stream.write(line + "\n")
        else:
            self.write(line + "\n")

    def flush(self) -> None:
        if self._pending:
            self._stream.write(guard_lines(self._pending))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:  # everything else is the stream's
        return getattr(self._stream, name)
