"""One source for what a secret looks like and how it is masked, for every stage: a name that says it holds
a secret (a values key, an engine setting, an environment variable), a value in a known token format, and
the one mask that replaces either. report/inert.py's `redact` applies them to everything written out."""

from __future__ import annotations

import re

MASK = "[redacted]"  # no Markdown or HTML meaning, wherever the masking happens (also after rendering)

# the words that make a name a secret's: `HF_TOKEN`, `api-key`, `db_password`, `aws.secret`, `privateKey`
SECRET_WORDS = r"api[_-]?key|access[_-]?key|private[_-]?key|token|secret|password|passwd|credentials?"
_SECRET_NAME = re.compile(SECRET_WORDS, re.I)
# names with those words that hold no secret: counts, limits, files, paths, references (`max_num_batched_tokens`,
# `TOKENIZER`, `HF_TOKEN_PATH`)
_NOT_SECRET_NAME = re.compile(r"(_FILE|_PATH|_DIR|_NAME|_URL|_ENDPOINT|_HEADER|_LENGTH|_LIMIT|_ID|_REF)$|TOKENS|TOKENIZER|MAX_|_NUM_", re.I)

# Token formats with a fixed prefix (Hugging Face, GitHub, OpenAI, AWS, Slack, GitLab, Google, Stripe),
# a JWT, a PEM private key.
TOKENS = re.compile(
    r"\bhf_[A-Za-z0-9]{20,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bsk-(?:proj-)?[A-Za-z0-9_\-]{16,}"
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bxox[abposr]-[A-Za-z0-9\-]{10,}|\bglpat-[A-Za-z0-9_\-]{20,}|\bAIza[0-9A-Za-z_\-]{35}"
    r"|\b[rs]k_live_[0-9A-Za-z]{16,}|\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)")
# a `name: value` or `name=value` whose name says it is a secret; the value must look generated (letters and
# digits, 8+ characters): "TOKEN: Kubernetes expands…" is prose
NAMED = re.compile(rf"(?i)\b((?:[\w.-]*[_.-])?(?:{SECRET_WORDS})[\"']?\s*[:=]\s*[\"']?)"
                   r"((?=[^\s\"',;}]*\d)(?=[^\s\"',;}]*[A-Za-z])[^\s\"',;}$\[]{8,})")
URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/\s:@]+):([^/\s@]+)@")


def is_secret_name(name: str) -> bool:
    """Does this name (a key, a setting, a variable) say it holds a secret?"""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)
