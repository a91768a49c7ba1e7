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

from ..masking import MASK as REDACTED, NAMED, TOKENS, URL_CREDENTIALS

_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\x1b]")
ZWSP = "\u200b"  # breaks a trigger GitHub applies to rendered text (mentions, autolinks, emoji) without a visible change

# what a secret looks like, and the mask: one source for every stage (masking.py)
_TOKENS, _NAMED, _URL_CREDENTIALS = TOKENS, NAMED, URL_CREDENTIALS


def redact(s: str) -> str:
    """Known token formats, secret-named assignments and the password in `scheme://user:password@host`."""
    if not s:
        return s
    s = _TOKENS.sub(REDACTED, s)
    s = _NAMED.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) == REDACTED else REDACTED), s)
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{m.group(2)}:{REDACTED}@", s)


def redact_tree(value):
    """`redact` over every string in a JSON-like value (the report document), keys left as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_tree(v) for k, v in value.items()}
    return value


def fold(s: object) -> str:
    """One line: newlines of any kind shown as ⏎, other control characters (escape sequences) as �."""
    return _CONTROL.sub("\ufffd", _NEWLINES.sub(" ⏎ ", redact(str(s))))


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
    """Text an XML 1.0 document can hold (ElementTree escapes markup, not these): each such character as \ufffd."""
    return _NOT_XML.sub("\ufffd", str(s))


def table_cell(s: object) -> str:
    """Text for a GFM table cell: a `|` splits cells even inside a code span, so it is escaped too."""
    return text(s)


# Workflow commands (docs.github.com, "Workflow commands for GitHub Actions"): a value is escaped with
# % -> %25, CR -> %0D, LF -> %0A; a property also with : -> %3A and , -> %2C.
def command_data(s: object) -> str:
    return redact(str(s)).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    such a start gets its first character percent-escaped, as the runner's own escaping writes it."""
    return _COMMAND_START.sub(lambda m: m.group(1) + ("%3A:" if m.group(2) == "::" else "%23#["), redact(s))


class StreamGuard:
    """Wraps stdout or stderr so that everything written passes `guard_lines`, whoever writes it.
    Lines are held until complete, so a command split over two writes is caught too."""

    def __init__(self, stream):
        self._stream, self._pending = stream, ""

    def write(self, s: str) -> int:
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

    def __getattr__(self, name):
        return getattr(self._stream, name)
