"""Outputs that content cannot steer: a PR whose names, values and Helm messages are hostile, through
`modelready github` (as a runner runs it) and `modelready check` in every format. The comment rendered by
cmark-gfm has no element the content put there, no line of stdout/stderr starts a workflow command, and a
token planted in a Helm `fail` message appears in no output."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from . import warm
from .test_github_action import REPO, action, github, pr_event, workspace  # noqa: F401 - fixtures

TOKEN = "hf_PlantedTokenAbCdEfGhIjKlMnOpQrStUv"
PLAIN = "correct-horse-battery"  # no token format: masked because its values key is secret-named
EVIL_NAME = "x`<img src=y>` @org/team ![i](https://e.test/i.png) [l](https://e.test) <a href=z>a</a> www.e.test :shipit:"
EVIL_FILE = "manifests/evil\n::error file=a.py::pwned\n##[warning]w.yaml"
CHART = "charts/leaky"


def plant(ws: Path) -> list[str]:
    """Hostile content: an object name, a file name with workflow commands, URL credentials in an engine
    flag, and a chart whose `fail` message carries a token from its values."""
    manifest = (REPO / "examples" / "manifests" / "llama-70b.yaml").read_text()
    manifest = manifest.replace("name: llama-70b\n  namespace", f"name: {json.dumps(EVIL_NAME)}\n  namespace", 1)
    manifest = manifest.replace("- --tensor-parallel-size=4", "- --tensor-parallel-size=4\n            - --served-model-name=https://user:s3cretpass@models.e.test/llama")
    (ws / EVIL_FILE).write_text(manifest)
    chart = ws / CHART
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: leaky\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(f"hfToken: {TOKEN}\nauth:\n  password: {PLAIN}\n")
    (chart / "templates" / "deployment.yaml").write_text(
        '{{- if .Values.hfToken }}{{ fail (printf "refusing to render: token %s (password %s) is set inline" .Values.hfToken .Values.auth.password) }}{{- end }}\n')
    return [EVIL_FILE, f"{CHART}/values.yaml", f"{CHART}/templates/deployment.yaml", f"{CHART}/Chart.yaml"]


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self._code = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._code += tag == "code"

    def handle_endtag(self, tag):
        self._code -= tag == "code"

    def handle_data(self, data):
        if not self._code:
            self.text.append(data)


def elements(markdown: str) -> Elements:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)  # raw HTML kept: it must not be there
    parser = Elements()
    parser.feed(html)
    return parser


def assert_inert(markdown: str, repo_links: str | tuple[str, ...]) -> None:
    """Only the elements the template makes: no image, no link but ours, no raw HTML but ours, no mention."""
    found = elements(markdown)
    ours = {"h2", "h3", "p", "strong", "em", "ul", "li", "code", "sub", "details", "summary", "input", "a", "table", "thead", "tbody", "tr", "th", "td"}
    assert {t for t, _ in found.tags} <= ours, {t for t, _ in found.tags} - ours
    assert not [t for t, a in found.tags if t == "img"]
    links = [a.get("href", "") for t, a in found.tags if t == "a"]
    assert all(href.startswith(repo_links) for href in links), [h for h in links if not h.startswith(repo_links)]
    import re

    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", "".join(found.text).replace("@\u200b", "")) or "@maintainer" in "".join(found.text)
    assert not re.search(r"(?<![\w])@org", "".join(found.text))  # the content's mention is broken


# the only command lines modelready writes itself (publish/log.py through report.inert.command): every value
# escaped, so no raw `,` or `:` in a property; and the stop-commands pair around the log's text
OWN_COMMAND = re.compile(r"::(error|warning|notice) file=[^,:]*(,line=\d+)?,title=modelready [\w./-]+::.*|::stop-commands::[0-9a-f]{32}|::[0-9a-f]{32}::")


def no_command_lines(*outputs: str) -> None:
    for out in outputs:
        for line in out.splitlines():
            assert not line.lstrip().startswith(("::", "##[")) or OWN_COMMAND.fullmatch(line), line


def test_the_action_renders_hostile_content_inert_and_leaks_no_token(workspace, github):
    github.changed_files = plant(workspace)
    proc, out = action(workspace, github, "pull_request", pr_event())
    assert not github.invalid, github.invalid
    assert "Traceback" not in proc.stderr
    (comment,) = github.comments.values()
    body = comment["body"]
    assert "refusing to render" in body and "pwned" in body and "@\u200borg/team" in body  # all of it is reported…
    assert "x`<img" not in body.replace("``", "")  # …and the name is there only fenced or escaped
    sha = pr_event()["pull_request"]["head"]["sha"]
    from modelready import __version__

    # ours: the PR's files at its head, the run (its job summary), the checks' docs at this version
    from modelready.report.comment import RULE_SITES

    assert_inert(body, (f"https://github.com/Codertocat/Hello-World/blob/{sha}/", "https://github.com/Codertocat/Hello-World/actions/runs/30433642",
                        f"https://github.com/modelready/modelready/blob/v{__version__}/docs/checks.md#", *RULE_SITES))
    (run,) = github.check_runs.values()
    everything = [proc.stdout, proc.stderr, body, out["summary"], json.dumps(run["output"]),
                  (workspace / "modelready-report.json").read_text(), (workspace / "modelready.sarif").read_text()]
    for text in everything:
        assert TOKEN not in text and PLAIN not in text and "s3cretpass" not in text
    no_command_lines(proc.stdout, proc.stderr)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "github", "concise", "rdjson"])
def test_check_in_every_format_starts_no_command_and_leaks_no_token(workspace, fmt):
    plant(workspace)
    proc = warm.run(["modelready.cli", "check", ".", "--format", fmt], cwd=workspace, timeout=300,
                    env={"PATH": "/usr/bin:/bin", "HOME": str(workspace.parent), "GITHUB_ACTIONS": "true", "HF_HUB_OFFLINE": "1", "PYTHONPATH": warm.SRC})
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr, proc.stderr
    assert "pwned" in proc.stdout or fmt in ("sarif", "json", "junit")  # the file is reported, its name folded
    assert TOKEN not in proc.stdout + proc.stderr and PLAIN not in proc.stdout + proc.stderr and "s3cretpass" not in proc.stdout + proc.stderr
    no_command_lines(proc.stdout, proc.stderr)
    if fmt == "markdown":
        assert_inert(proc.stdout, "https://github.com/modelready/modelready/")  # no links but the checks' docs without a repository


def test_a_long_secret_is_learned_and_masked_without_deep_recursion():
    """A PEM key or a service-account JSON in a Secret (kubeflow/manifests holds such): thousands of characters, masked
    like a token, where one regular-expression branch a character once ran past Python's recursion limit."""
    from modelready.report import inert

    known = type(inert.KNOWN)()  # a fresh one: the run-wide KNOWN stays as other tests left it
    key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "".join(chr(65 + (i * 7919) % 26) for i in range(6000))
    known.learn(key)
    known.learn("hf_abcdefgh12345678")
    assert known.sub(f"a {key} b hf_abcdefgh12345678 c") == f"a {inert.REDACTED} b {inert.REDACTED} c"


@pytest.mark.parametrize("before", ["", "— ×→ ", "İstanbul ", "\u212a ", "模型 " * 3, "x" * 5000 + "–"])
def test_the_patterns_find_their_secrets_after_any_text(before):
    """The triggers are found in a folded copy of the text (ASCII lower case, other characters as one each, so
    positions hold): a secret after non-ASCII text, in a long report or a short string, is masked in place, and an
    image digest is no DSN."""
    from modelready.report import inert

    masked = inert.REDACTED
    text = (f"{before}password=Zq81xWv0kP2 then root:Hunt3r2Pass@tcp(db:3306)/app and db:s3cr3tval@pg.svc "
            f"and img:v1@sha256:{'a' * 64} and Token A1b2C3d4E5f6G7h8 and \u212aey")
    out = inert.redact(text)
    assert out == (f"{before}password={masked} then root:{masked}@tcp(db:3306)/app and db:{masked}@pg.svc "
                   f"and img:v1@sha256:{'a' * 64} and Token {masked} and \u212aey")


def test_every_token_format_is_masked_where_it_stands():
    """Each token format of the patterns is found from a trigger of its own (a GitHub fine-grained token starts
    `github_pat_`, which no `gh` trigger finds), in a sentence and in JSON."""
    from modelready.report import inert

    tokens = ["hf_" + "a1B2" * 6, "ghp_" + "Z9y8" * 6, "github_pat_11ABCDEFG0" + "a1b2" * 10, "sk-proj-" + "q1" * 10,
              "AKIA" + "ABCD1234" * 2, "ASIA" + "Z" * 16, "xoxb-123456789012", "glpat-" + "x1" * 10, "AIza" + "z1" * 17 + "z",
              "sk_live_" + "1a" * 8, "rk_live_" + "Zz" * 8, "eyJabcdefgh1.eyJabcdefgh2.abcdefgh3"]
    for token in tokens:
        assert inert.redact(f"see {token} here") == f"see {inert.REDACTED} here", token
        assert inert.redact(f'{{"v":"{token}"}}') == f'{{"v":"{inert.REDACTED}"}}', token


def test_what_is_learned_from_many_trees_is_what_each_learns_alone(monkeypatch):
    """learn() decides a key once and scans a string once for all the trees of a run: the values learned from many
    trees in one walk are those learned from each with nothing remembered, whether a key comes back in a secret's
    place, as an int, holding a token itself, in an env entry or a Secret."""
    import base64

    import yaml

    from modelready.report import inert

    token, other = "hf_" + "Qx7" * 8, "ghp_" + "Zz9" * 8
    trees = [d for p in sorted((REPO / "tests" / "checks").glob("secret-*/*.yaml")) for d in yaml.safe_load_all(p.read_text())]
    trees = [t for t in trees if isinstance(t, dict)] + [
        {"password": "plain", "env": [{"name": "API_KEY", "value": "k3y" * 4}], 1: "one", token: 1},
        {"values": {"password": "S3cretPass99", "1": "x", token: {"nested": other}},
         "env": [{"name": "HF_TOKEN", "value": "hf_" + "Ab1" * 8}, {"name": "plain", "value": "not1secret"}]},
        {"kind": "Secret", "data": {"k": base64.b64encode(b"D4tab4se-pass").decode()}, "stringData": {"x": "Str1ngData99"},
         "metadata": {"name": "s"}},
        {"spec": {"kind": "Secret", "data": {"k": base64.b64encode(b"N0t-at-top").decode()}, "password": ["L1st3dPass", {"a": "D33pPass"}]}},
    ]

    def learned(fresh_each: bool) -> set[str]:
        monkeypatch.setattr(inert, "KNOWN", type(inert.KNOWN)())
        for t in trees:
            if fresh_each or t is trees[0]:
                monkeypatch.setattr(inert, "_SCANNED", set())
                monkeypatch.setattr(inert, "_SECRET_KEYS", {})
                monkeypatch.setattr(inert, "_SECRET_NAMES", {})
            inert.learn(t)
            inert.learn(t)  # again: all of it decided and scanned
        return inert.KNOWN.values

    together = learned(False)
    assert together == learned(True) and {"S3cretPass99", "Str1ngData99", "D4tab4se-pass", token, other} <= together


def _hits_rule_by_rule(s: str) -> list[tuple[int, int, str]]:
    """The hits as redaction found them before triggers were searched once each and found from rare characters:
    every rule, every trigger of it searched on its own, the hits sorted stably by (start, -end)."""
    from modelready.report import inert

    folded = inert._fold(s)
    hits = []
    for rule in inert._RULES:
        hay = folded if rule.folded else s
        for lit in rule.triggers:
            i = hay.find(lit)
            while i != -1:
                if not (rule.boundary and i and s[i - 1].isascii() and s[i - 1].isalnum()):
                    m = rule.pattern.match(s, i)
                    masked = rule.mask(m) if m else None
                    if m and masked is not None:
                        hits.append((i, m.end(), masked))
                i = hay.find(lit, i + 1)
    hits += inert._dsn_hits(s)
    hits.sort(key=lambda h: (h[0], -h[1]))
    return hits


def test_a_whole_report_is_masked_as_rule_by_rule_searches_mask_it():
    """A long text (a whole report, where triggers holding `=` or z are found from those characters, and each trigger
    once for all its rules) and short ones give the same hits, in the same order, as every rule searching each of its
    triggers: secrets of every rule, in every case, after non-ASCII text and the Kelvin sign, overlapping, next to
    letters, with many `=` and z around."""
    import random

    from modelready.report import inert

    rng = random.Random(28)
    pieces = ["hf_" + "a1B2" * 6, "ghp_" + "Z9y8" * 6, "sk-proj-" + "q" * 20, "AKIA" + "ABCD1234" * 2, "ASIA" + "Z" * 16,
              "xoxb-123456789012", "glpat-" + "x" * 20, "AIza" + "z" * 35, "sk_live_" + "1a" * 8, "rk_live_" + "Zz" * 8,
              "eyJabcdefgh1.eyJabcdefgh2.abcdefgh3", "-----BEGIN RSA PRIVATE KEY-----\\nMIIabc=\\n-----END RSA PRIVATE KEY-----",
              "https://hooks.slack.com/services/T000/B000/XXXXzzzz", "discordapp.com/api/webhooks/123/abcDEF123",
              "Bearer abcDEF123456789", "basic dXNlcjpwYXNz1234", "token zzzz1234abcd", "?sig=abc%2Bdef123&se=1",
              "AccountKey=abcdefgh12345678==", "SharedAccessSignature=sv1234abcd", "X-Amz-Signature=abcdef0123456789",
              "signature=zz12zz12zz", '"api_key":"A1b2C3d4E5"', "password = 'Hunt3r2Pass'", "pwd: s3cr3tval1",
              "credentials=abc123def456", "auth: z9z9z9z9z9", "secret_key=\"zz00zz00zz\"", "redis://:P4ssw0rdZ@redis:6379",
              "root:Hunt3r2Pass@tcp(db:3306)", "db:s3cr3tval@pg.svc", "img:v1@sha256:" + "a" * 64, "gated-model-token-missing",
              "x=1", "=", "==", "zz", "z=z", "token=", "sig==", "\u212aey", "İstanbul", "— ×→ ", "模型", "\u212a_live_" + "1" * 16,
              "TOKEN:\"Zq81xWv0kP2\"", "token  =abc12345678 ", "a" + "hf_" + "b" * 20, "ghp_short", "signature=", "accountkey=zzzzzzzz", "\n", " ", '","', ":"]
    prose = ["the model is served by vllm on one gpu", "replicas", "catalog_items", "Deployment/serving/llm-1@m1.yaml"]
    for n, secrets in ((40, 1), (400, 1), (20000, 1), (20000, 200)):  # the last: prose, a secret in 200 pieces
        text = "".join((rng.choice(pieces) if rng.randrange(secrets) == 0 else rng.choice(prose))
                       + rng.choice(["", " ", "=", "z", "-", '"', ":", "/", "é"] if secrets == 1 else ["", " ", '"', ":"]) for _ in range(n))
        assert inert._hits(text) == _hits_rule_by_rule(text), (n, secrets)
        assert len(text) < 4096 or inert._patterns(text) != text
    folded = inert._fold(text)
    assert len(text) > inert._LONG and all(inert._anchored(folded, a, lits, len(text) // 512) is not None  # found from anchors
                                           for a, lits in inert._ANCHORED.items())
    dense = "z=" * inert._LONG
    assert inert._anchored(dense, "=", inert._ANCHORED["="], len(dense) // 512) is None  # too many: searched instead
    assert inert._hits(dense + text) == _hits_rule_by_rule(dense + text)


def test_no_line_starts_a_workflow_command_whether_or_not_the_text_holds_one():
    """guard_lines gives a text holding neither `::` nor `##[` back as it is, and escapes every line start that is one
    as the pattern alone does (a report on stdout, a log line, a hostile file name)."""
    from modelready.report import inert

    def slow(s: str) -> str:
        return inert._COMMAND_START.sub(lambda m: m.group(1) + ("%3A:" if m.group(2) == "::" else "%23#["), inert.redact(s))

    texts = ['{"message":"vllm sets neither --dtype nor --quantization","file":"m00000.yaml","line":13}\n' * 50,
             "::error file=a.yaml::pwned\n", "  ::set-output name=x::1", "ok\n\n\t::add-mask::v\n", "##[group]x\n##[endgroup]",
             "a::b is no line start\n", "x\n::", "::", "##[", "", "\n", "plain text with no command at all"]
    for s in texts:
        assert inert.guard_lines(s) == slow(s), s
    assert inert.guard_lines("::error::x\n") == "%3A:error::x\n"
    assert inert.guard_lines("a::b\n") == "a::b\n"
