"""An image's own start as a deployment: where a Dockerfile or Containerfile starts an engine (its final
stage's ENTRYPOINT and CMD, with its ENV), that start is an engine invocation like a container's, and
every engine check runs on it: a typo'd flag in `CMD`, a flag the base image's release removed, a context
left to the model's default. The base image (`FROM vllm/vllm-openai:v0.6.3`) pins the engine's release.

A start script the image copies from the repository (`COPY start.sh /app/` then `ENTRYPOINT
["/app/start.sh"]`) is read from the build context (the Dockerfile's folder, assumed), confined to the
repository and bounded in size. There is no pod: cluster settings (probes, GPUs, Services) are not judged.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path, PurePosixPath

from ..findings import Loc
from ..load.artifacts import Dockerfile, Instruction
from .engine import build_engine, detect_engine
from .model import Container, Deployment, EnvVar, Image, ModelRef, PodSpec, Traits, Value

_MAX_SCRIPT = 64 * 1024
IMAGE_TRAITS = Traits(partial=True, image_only=True)


def deployments(dockerfiles: list[Dockerfile], root: Path) -> list[Deployment]:
    out = []
    for df in dockerfiles:
        d = _deployment(df, root)
        if d is not None:
            out.append(d)
    return out


def _stage(df: Dockerfile) -> tuple[list[Instruction], Image | None]:
    """The final stage's instructions (with those of the stages it builds FROM) and its external base image."""
    stages: dict[str, tuple[list[Instruction], str]] = {}
    current: list[Instruction] = []
    base, image_loc = "", Loc(df.file, 0)
    for ins in df.instructions:
        if ins.cmd == "FROM":
            words = [w for w in ins.value.split() if not w.startswith("--")]
            ref = words[0] if words else ""
            inherited, base = stages.get(ref.lower(), ([], ref))
            current = list(inherited)
            image_loc = Loc(df.file, ins.line) if ref.lower() not in stages else image_loc
            if len(words) >= 3 and words[1].lower() == "as":
                stages[words[2].lower()] = (current, base)
            continue
        current.append(ins)
    image = Image.parse(base, image_loc) if base and base != "scratch" and "$" not in base else None
    return current, image


def _words(ins: Instruction) -> tuple[list[str], bool]:
    """(argv, exec form) of an ENTRYPOINT or CMD: the JSON array, else the shell form under /bin/sh -c."""
    text = ins.value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list) and all(isinstance(w, str) for w in parsed):
                return parsed, True
        except json.JSONDecodeError:
            pass
    return ["/bin/sh", "-c", text], False


def _env(ins: Instruction, file: str) -> list[EnvVar]:
    try:
        words = shlex.split(ins.value)
    except ValueError:
        return []
    loc = Loc(file, ins.line)
    if words and "=" not in words[0]:  # legacy `ENV NAME value`
        return [EnvVar(words[0], " ".join(words[1:]), None, loc)]
    return [EnvVar(k, v, None, loc) for k, _, v in (w.partition("=") for w in words) if k]


def _deployment(df: Dockerfile, root: Path) -> Deployment | None:
    instructions, image = _stage(df)
    entry = next((i for i in reversed(instructions) if i.cmd == "ENTRYPOINT"), None)
    cmd = next((i for i in reversed(instructions) if i.cmd == "CMD"), None)
    if entry is None and cmd is None:
        return None
    env = [e for i in instructions if i.cmd == "ENV" for e in _env(i, df.file)]
    command, args, locs = [], [], {"command": [], "args": []}  # type: ignore[var-annotated]
    if entry is not None:
        command, exec_form = _words(entry)
        locs["command"] = [Loc(df.file, entry.line)] * len(command)
        if not exec_form:
            cmd = None  # a shell-form ENTRYPOINT ignores CMD
    if cmd is not None:
        args = _words(cmd)[0]
        locs["args"] = [Loc(df.file, cmd.line)] * len(args)
    anchor = Loc(df.file, (entry or cmd).line)  # type: ignore[union-attr]
    c = Container(name=PurePosixPath(df.file).name, image=image, command=command, args=args, env=env, requests={}, limits={}, probes={},
                  ports={}, mounts={}, loc=anchor, resources_loc=anchor, arg_locs=locs,
                  borrowed_from="its FROM line")  # the base image is judged as a build's (dockerfile-base-unpinned)
    _copied_script(c, instructions, df.file, root)
    name = detect_engine(c)
    if name is None:
        return None
    pod = PodSpec("main", 1, [c], [], {}, {}, [], {}, False, anchor)
    d = Deployment(kind="Image", name=df.file, namespace="-", api_version="", replicas=None, replicas_loc=anchor, pods=[pod],
                   engine=build_engine(c, name), engine_container=c, model=ModelRef(None, None, None, None), loc=anchor, origin=df.file,
                   traits=IMAGE_TRAITS)
    if d.engine is not None and cmd is None and entry is not None and not d.engine.flags and c.script_first_line is None:
        # an ENTRYPOINT alone: the engine's arguments come from whoever runs the image (a pod's args)
        d.engine.dynamic_args, d.engine.unparsed = True, "the image's ENTRYPOINT takes its arguments from whoever runs it"
    m = d.engine.setting("model") if d.engine else None
    envs = c.env_map()
    var = next((v for v in ("MODEL_ID", "MODEL_NAME", "MODEL") if v in envs and envs[v].value), None)
    if m is None and var is not None:
        m = Value(envs[var].value, envs[var].loc, var)
    if m is not None:
        mid = str(m.value)
        d.model = ModelRef(mid, mid if "://" in mid else None, None, m.loc)
    return d


def _copied_script(c: Container, instructions: list[Instruction], file: str, root: Path) -> None:
    """`ENTRYPOINT ["/app/start.sh"]` (or `bash start.sh`): the script a COPY put there, read from the repository."""
    argv = c.command + c.args
    if not argv:
        return
    first = 1 if argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and len(argv) > 1 and not argv[1].startswith("-") else 0
    target = argv[first]
    if not target.endswith(".sh"):
        return
    workdir = next((i.value.strip() for i in reversed(instructions) if i.cmd == "WORKDIR"), "/")
    dest = str(PurePosixPath(workdir) / target)
    for ins in instructions:
        if ins.cmd not in ("COPY", "ADD"):
            continue
        words = [w for w in ins.value.split() if not w.startswith("--")]
        if len(words) < 2:
            continue
        *sources, to = words
        to_path = str(PurePosixPath(workdir) / to)
        for src in sources:
            placed = to_path if not to.endswith("/") and len(sources) == 1 else str(PurePosixPath(to_path) / PurePosixPath(src).name)
            if placed == dest or (PurePosixPath(to_path) / PurePosixPath(src).name).as_posix() == dest:
                text = _repo_text(root, str(PurePosixPath(file).parent / src))
                if text is not None:
                    c.command, c.args = ["/bin/sh", "-c"], [text]
                    c.arg_locs = {"command": [c.loc, c.loc], "args": [Loc(str(PurePosixPath(file).parent / src), 1)]}
                    c.script_first_line = 1
                    return


def _repo_text(root: Path, rel: str) -> str | None:
    """A file of the repository, never outside it, never a link, at most 64 KiB."""
    try:
        path = (root / rel)
        if path.is_symlink() or not path.is_file():
            return None
        resolved = path.resolve()
        if not resolved.is_relative_to(root.resolve()) or resolved.stat().st_size > _MAX_SCRIPT:
            return None
        return resolved.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
