"""One source for what a secret looks like and how it is masked, for every stage: a name that says it holds
a secret (a values key, an engine setting, an environment variable), and the one mask. The token formats and
the redaction of everything written out are report/inert.py's `redact`, applied where text leaves."""

from __future__ import annotations

import re

MASK = "[redacted]"  # no Markdown or HTML meaning, wherever the masking happens (also after rendering)

# the words that make a name a secret's: `HF_TOKEN`, `api-key`, `db_password`, `aws.secret`, `privateKey`
SECRET_WORDS = r"api[_-]?key|access[_-]?key|private[_-]?key|token|secret|password|passwd|credentials?"
_SECRET_NAME = re.compile(SECRET_WORDS, re.I)
# names with those words that hold no secret: counts, limits, files, paths, references (`max_num_batched_tokens`,
# `TOKENIZER`, `HF_TOKEN_PATH`)
_NOT_SECRET_NAME = re.compile(r"(_FILE|_PATH|_DIR|_NAME|_URL|_ENDPOINT|_HEADER|_LENGTH|_LIMIT|_ID|_REF)$|TOKENS|TOKENIZER|MAX_|_NUM_", re.I)

def is_secret_name(name: str) -> bool:
    """Does this name (a key, a setting, a variable) say it holds a secret?"""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)
