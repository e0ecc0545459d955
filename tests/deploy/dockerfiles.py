"""Dockerfiles read as build stages: what an image built for a target inherits (`FROM` an earlier
stage), what it takes from other stages (`COPY --from`), what it copies from the build context."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stage:
    name: str | None  # `FROM base AS name`
    base: str
    text: str  # its instructions, continued lines joined, comments dropped


def stages(dockerfile: Path) -> list[Stage]:
    """The stages of `dockerfile`, in order (`ARG`s before the first `FROM` are dropped)."""
    text = re.sub(r"^\s*#.*\n", "", dockerfile.read_text(), flags=re.MULTILINE).replace("\\\n", " ")
    found = []
    for chunk in re.split(r"^(?=FROM )", text, flags=re.MULTILINE)[1:]:
        head, _, body = chunk.partition("\n")
        words = head.split()
        name = words[3] if len(words) >= 4 and words[2].upper() == "AS" else None
        found.append(Stage(name, words[1], body))
    return found


def _stage(dockerfile: Path, target: str | None) -> tuple[Stage, dict[str, Stage]]:
    all_stages = stages(dockerfile)
    named = {stage.name: stage for stage in all_stages if stage.name}
    if target is None:
        return all_stages[-1], named
    assert target in named, f"{dockerfile.name} has no stage {target}"
    return named[target], named


def target_text(dockerfile: Path, target: str | None = None) -> str:
    """The instructions an image built for `target` (default: the last stage) runs and inherits:
    its chain of `FROM` stages, first to last."""
    stage, named = _stage(dockerfile, target)
    chain = [stage]
    while chain[-1].base in named:
        chain.append(named[chain[-1].base])
    return "\n".join(stage.text for stage in reversed(chain))


def image_stages(dockerfile: Path, target: str | None = None) -> list[Stage]:
    """Every stage whose files can end up in the image built for `target`: its `FROM` chain and,
    recursively, the stages it copies from."""
    stage, named = _stage(dockerfile, target)
    seen: dict[int, Stage] = {}
    todo = [stage]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen[id(current)] = current
        sources = [current.base, *re.findall(r"^COPY\s+--from=(\S+)", current.text, flags=re.MULTILINE)]
        todo.extend(named[source] for source in sources if source in named)
    return list(seen.values())


def context_sources(stage: Stage) -> list[str]:
    """The build-context paths a stage's `COPY` and `ADD` instructions copy (not `--from` ones)."""
    sources = []
    for line in re.findall(r"^(?:COPY|ADD)\s+(.+)$", stage.text, flags=re.MULTILINE):
        words = shlex.split(line)
        if any(word.startswith("--from=") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        sources.extend(paths[:-1])  # the last one is the destination
    return sources


def targets(dockerfile: Path) -> list[str | None]:
    """The images a Dockerfile builds: its default (None, the last stage) and every other named
    stage that sets its own ENTRYPOINT."""
    *others, _last = stages(dockerfile)
    return [None] + [stage.name for stage in others if stage.name and "\nENTRYPOINT " in f"\n{stage.text}"]
