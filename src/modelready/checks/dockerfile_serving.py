"""
## What it does
Reads a serving image's `RUN` lines for what makes two builds of one Dockerfile serve differently:
the engine installed from a moving git branch (`pip install git+https://github.com/vllm-project/vllm`,
`git clone` without a tag or commit), torch, FlashInfer or the engine installed without a version
(`pip install torch flashinfer-python`), and weights downloaded at build time without a revision
(`huggingface-cli download`, `hf download`, `snapshot_download(...)`).

## Why it matters
The engine, its kernels and torch are built against each other: an unpinned `pip install torch` picks
up a torch that the pinned vLLM wheel was not compiled for (`undefined symbol` at import), and a rebuild
from `main` changes flags, defaults and the OpenAI API between two identical-looking images. Weights
baked at the branch head change when the model's authors push, so the image tag no longer says which
model serves.

## Example
```dockerfile
RUN pip install git+https://github.com/vllm-project/vllm.git torch flashinfer-python
RUN huggingface-cli download Qwen/Qwen2.5-7B-Instruct --local-dir /models/qwen
```

## Instead
```dockerfile
RUN pip install "vllm==0.10.2" "torch==2.8.0" "flashinfer-python==0.3.1"
RUN huggingface-cli download Qwen/Qwen2.5-7B-Instruct --revision a09a35458c702b33eeacc393d103063234e8bc28 --local-dir /models/qwen
```

## References
- pip VCS support (pinning a commit with `@`): https://pip.pypa.io/en/stable/topics/vcs-support/
- huggingface-cli download `--revision`: https://huggingface.co/docs/huggingface_hub/guides/cli#download-a-specific-revision
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from .. import linear
from ..findings import Loc
from ..normalize.artifacts import Build
from . import Hit, declare

ENGINES = r"vllm|sglang|text-generation-inference|tensorrt[-_]llm|lmdeploy|flashinfer|llama\.cpp|llama-cpp-python|xformers|exllamav2|aphrodite-engine|mlc-llm"
# torch and its kernels, and the engines: built against each other, so each needs its version
PINNED_PACKAGES = re.compile(rf"^(torch|torchvision|torchaudio|{ENGINES}|flashinfer-python|tensorrt|triton)(\[[^\]]*\])?$", re.I)
# the repository is the URL's last path segment (github.com/vllm-project/vllm.git), a ref after @ (pip's VCS form).
# RE2, linear: a RUN line is the PR's, and Python's re tried every `git+https://` of one long word to its end (quadratic:
# a 1 MB line took minutes). RE2 has no lookahead: the closing space or quote is consumed (no match starts with one).
_GIT_SOURCE = linear.compile(rf"(?i)git\+https?://[^\s\"'@]*/(?P<repo>{ENGINES})(?:\.git)?(?:@(?P<ref>[^\s#\"']+))?(?:[\s\"'#]|$)")
_CLONE = linear.compile(rf"(?i)git\s+clone\b(?P<opts>[^&;|]*?)https?://[^\s\"']*/(?P<repo>{ENGINES})(?:\.git)?(?:[\s\"']|$)")
_FIXED_REF = re.compile(r"^(v?\d+(\.\d+)+[\w.+-]*|[0-9a-f]{40})$")
_SEGMENTS = re.compile(r"&&|\|\||;|\|")
_DOWNLOAD = linear.compile(r"(huggingface-cli|\bhf)\s+download\s+(?P<model>[\w.-]+/[\w.-]+)|snapshot_download\((?P<args>[^)]*)\)")


def _pip_packages(segment: str) -> list[str] | None:
    """The requirement words of a `pip install` / `uv pip install` segment; None when it is not one or pins by file."""
    words = segment.replace('"', " ").replace("'", " ").split()
    for i in range(len(words) - 1):
        if words[i] in ("pip", "pip3", "uv") and "install" in words[i + 1:i + 3]:
            rest = words[words.index("install", i) + 1:]
            if any(w in ("-c", "--constraint", "-r", "--requirement") or w.startswith(("--constraint=", "-c=")) for w in rest):
                return None  # versions from a constraints or requirements file
            return [w for w in rest if not w.startswith("-")]
    return None


def _unpinned(build: Build) -> Iterator[tuple[str, Loc]]:
    """Per RUN (one finding however many pip commands it chains): the packages installed without a version."""
    for text, loc in build.runs:
        bare = [p for segment in _SEGMENTS.split(text) for p in _pip_packages(segment) or [] if PINNED_PACKAGES.match(p)]
        if bare:
            yield ", ".join(dict.fromkeys(bare)), loc


@declare("engine-built-from-branch", "warning", ["container-deps-pinned"],
         "the engine is installed from a release or a commit", "the engine is installed from a moving git branch",
         doc=__doc__, subject=Build, applies=lambda build: bool(build.runs))
def from_branch(build: Build) -> Iterator[Hit]:
    for text, loc in build.runs:
        for m in _GIT_SOURCE.finditer(text):
            if not (m.group("ref") and _FIXED_REF.match(m.group("ref"))):
                at = f"@{m.group('ref')}" if m.group("ref") else "its default branch"
                yield Hit(f"{m.group('repo')} is installed from git at {at}: each build takes whatever the branch holds then; "
                          "pin a release (`==0.10.2`) or a commit (`@<40-hex sha>`)", loc)
        clones = list(_CLONE.finditer(text))
        checkout = re.search(r"git\s+(-C\s+\S+\s+)?checkout\s+(\S+)", text) if clones else None  # once per line, not per clone
        for m in clones:
            opts = m.group("opts")
            tagged = re.search(r"(-b|--branch)[\s=]+(\S+)", opts)
            ref = (tagged.group(2) if tagged else None) or (checkout.group(2) if checkout else None)
            if not (ref and _FIXED_REF.match(ref)):
                yield Hit(f"{m.group('repo')} is cloned at {ref or 'its default branch'}: each build takes whatever the branch holds then; "
                          "clone a release tag (`--branch v0.10.2`) or check out a commit", loc)


@declare("image-deps-unpinned", "warning", ["container-deps-pinned"],
         "torch, its kernels and the engine are installed at fixed versions", "torch, FlashInfer or the engine is installed without a version",
         doc=__doc__, subject=Build, applies=lambda build: bool(build.runs))
def unpinned(build: Build) -> Iterator[Hit]:
    for names, loc in _unpinned(build):
        yield Hit(f"pip installs {names} without a version: the next build may pair the engine with a torch or kernels it was not built "
                  "against; pin each with ==", loc)


@declare("weights-baked-unpinned", "warning", ["model-artifacts-versioned"],
         "weights baked into the image are downloaded at a fixed revision", "weights are baked into the image at a moving revision",
         doc=__doc__, subject=Build, applies=lambda build: bool(build.runs))
def baked(build: Build) -> Iterator[Hit]:
    for text, loc in build.runs:
        for m, revised in _downloads(text):
            if m.group("args") is not None:
                if "revision" not in m.group("args"):
                    yield Hit("snapshot_download(...) without revision= bakes the weights of the model's main branch at build time: "
                              "the same Dockerfile builds a different model after its authors push", loc)
            elif not revised:
                yield Hit(f"{m.group('model')} is downloaded without --revision: the image bakes the weights of its main branch at "
                          "build time, and the same Dockerfile builds a different model after its authors push", loc)


def _downloads(text: str) -> Iterator[tuple[Any, bool]]:
    """Each download, and whether `--revision` follows it before the next `&&`. The next `&&` and `--revision` are
    looked up once each and kept while downloads come before them: a slice of the rest of the line per download
    was quadratic on a line of many downloads."""
    end = revision = -1
    for m in _DOWNLOAD.finditer(text):
        if end < m.end():
            end = text.find("&&", m.end()) % (len(text) + 1)  # -1 (none): the end of the line
        if revision < m.end():
            revision = text.find("--revision", m.end()) % (len(text) + 1)
        yield m, revision < end


CHECKS = [from_branch, unpinned, baked]
