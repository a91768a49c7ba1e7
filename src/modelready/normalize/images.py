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
import re
import shlex
from pathlib import Path, PurePosixPath

from ..findings import Loc
from ..load.artifacts import Dockerfile, Instruction
from . import options
from .engine import build_engine, detect_engine
from .model import Container, Deployment, Engine, EnvVar, Image, ModelRef, PodSpec, Traits, Value

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


def _start(df: Dockerfile, instructions: list[Instruction]) -> tuple[Container, bool] | None:
    """The container the image starts (ENTRYPOINT, then CMD as its arguments; a shell-form ENTRYPOINT
    ignores CMD), and whether an ENTRYPOINT alone starts it (its arguments come from whoever runs it)."""
    entry = next((i for i in reversed(instructions) if i.cmd == "ENTRYPOINT"), None)
    cmd = next((i for i in reversed(instructions) if i.cmd == "CMD"), None)
    first = entry or cmd
    if first is None:
        return None
    command, exec_form = _words(entry) if entry is not None else ([], True)
    args = _words(cmd)[0] if cmd is not None and exec_form else []
    locs = {"command": [Loc(df.file, first.line)] * len(command), "args": [Loc(df.file, cmd.line)] * len(args) if cmd else []}
    anchor = Loc(df.file, first.line)
    c = Container(name=PurePosixPath(df.file).name, image=None, command=command, args=args,
                  env=[e for i in instructions if i.cmd == "ENV" for e in _env(i, df.file)], requests={}, limits={}, probes={},
                  ports={}, mounts={}, loc=anchor, resources_loc=anchor, arg_locs=locs,
                  borrowed_from="its FROM line")  # the base image is judged as a build's (dockerfile-base-unpinned)
    return c, entry is not None and not args


def _deployment(df: Dockerfile, root: Path) -> Deployment | None:
    instructions, image = _stage(df)
    started = _start(df, instructions)
    if started is None:
        return None
    c, entry_alone = started
    c.image = image
    _copied_script(c, instructions, df.file, root)
    name = detect_engine(c)
    if name is None:
        return None
    engine = build_engine(c, name)
    options.read(engine, lambda path: _copied_file(instructions, df.file, root, path))
    if entry_alone and not engine.flags and c.script_first_line is None and c.py_script is None:
        engine.dynamic_args, engine.unparsed = True, "the image's ENTRYPOINT takes its arguments from whoever runs it"
    pod = PodSpec("main", 1, [c], [], {}, {}, [], {}, False, c.loc)
    return Deployment(kind="Image", name=df.file, namespace="-", api_version="", replicas=None, replicas_loc=c.loc, pods=[pod],
                      engine=engine, engine_container=c, model=_model(engine, c), loc=c.loc, origin=df.file, traits=IMAGE_TRAITS)


def _model(engine: Engine, c: Container) -> ModelRef:
    """The model the start names: the engine's model flag, else an ENV the image sets (MODEL_ID, MODEL_NAME, MODEL)."""
    m = engine.setting("model")
    envs = c.env_map()
    var = next((v for v in ("MODEL_ID", "MODEL_NAME", "MODEL") if v in envs and envs[v].value), None)
    if m is None and var is not None:
        m = Value(envs[var].value, envs[var].loc, var)
    if m is None:
        return ModelRef(None, None, None, None)
    mid = str(m.value)
    return ModelRef(mid, mid if "://" in mid else None, None, m.loc)


def _copied_script(c: Container, instructions: list[Instruction], file: str, root: Path) -> None:
    """`ENTRYPOINT ["/app/start.sh"]` (or `bash start.sh`, `python3 serve.py`): the script a COPY put there,
    read from the repository. A Python script is kept for the engine it builds; whoever runs the image may
    set any variable, so its env defaults stay defaults."""
    target = _run_target(c.command + c.args)
    if target is None:
        return
    workdir = next((i.value.strip() for i in reversed(instructions) if i.cmd == "WORKDIR"), "/")
    src = _copied_from(instructions, workdir, str(PurePosixPath(workdir) / target))
    rel = str(PurePosixPath(file).parent / src) if src else None
    text = _repo_text(root, rel) if rel else None
    if rel and text is not None and target.endswith(".py"):
        c.py_script = (text, Loc(rel, 0), False)
    elif rel and text is not None:
        c.command, c.args = ["/bin/sh", "-c"], [text]
        c.arg_locs = {"command": [c.loc, c.loc], "args": [Loc(rel, 1)]}
        c.script_first_line = 1


def _copied_file(instructions: list[Instruction], file: str, root: Path, path: str) -> tuple[str, Loc] | None:
    """The repository file a COPY or ADD puts at `path` in the image (relative to its WORKDIR), with its text."""
    workdir = next((i.value.strip() for i in reversed(instructions) if i.cmd == "WORKDIR"), "/")
    src = _copied_from(instructions, workdir, str(PurePosixPath(workdir) / path))
    rel = str(PurePosixPath(file).parent / src) if src else None
    text = _repo_text(root, rel) if rel else None
    return (text, Loc(rel, 0)) if rel and text is not None else None


def _run_target(argv: list[str]) -> str | None:
    """The script file the start runs: `start.sh`, `bash start.sh`, `python3 -u serve.py`, `uvicorn app:app`."""
    if argv and argv[0] in ("/bin/sh", "sh") and argv[1:2] == ["-c"] and len(argv) > 2:
        argv = argv[2].split()  # shell form: `CMD python3 serve.py`
    argv = _asgi_module(argv)
    runner = argv[0].rsplit("/", 1)[-1] if argv else ""
    first = 1 if (runner in ("sh", "bash") or re.fullmatch(r"python(\d(\.\d+)?)?", runner)) and len(argv) > 1 else 0
    while first < len(argv) - 1 and argv[first] in ("-u", "-O", "-B"):
        first += 1
    return argv[first] if argv and argv[first].endswith((".sh", ".py")) else None


def _asgi_module(argv: list[str]) -> list[str]:
    """`uvicorn app:app` (or `python -m uvicorn`, gunicorn, hypercorn): the module it imports, as `python app.py`
    would run it (its module-level code and the app's start-up build the engine)."""
    words = argv[2:] if len(argv) > 2 and argv[1] == "-m" else argv
    if not words or words[0].rsplit("/", 1)[-1] not in ("uvicorn", "gunicorn", "hypercorn"):
        return argv
    target = next((w for w in words[1:] if ":" in w and not w.startswith("-")), None)
    return ["python", target.split(":")[0].replace(".", "/") + ".py"] if target else argv


def _copied_from(instructions: list[Instruction], workdir: str, dest: str) -> str | None:
    """The build-context source a COPY or ADD places at `dest`."""
    for ins in instructions:
        words = [w for w in ins.value.split() if not w.startswith("--")] if ins.cmd in ("COPY", "ADD") else []
        if len(words) < 2:
            continue
        *sources, to = words
        to_path = PurePosixPath(workdir) / to
        for src in sources:
            if src in (".", "./") and dest.startswith(str(to_path).rstrip("/") + "/"):
                return dest[len(str(to_path).rstrip("/")) + 1:]  # the whole build context copied
            exact = not to.endswith("/") and len(sources) == 1 and str(to_path) == dest
            if exact or str(to_path / PurePosixPath(src).name) == dest:
                return src
    return None


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
