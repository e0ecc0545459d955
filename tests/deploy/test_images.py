"""What the images hold: no service image has the development tools (tools/tiny_models, the tiny
model builders), and compose's one-shot `tiny-policy` job runs the image that does."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import COMPOSE_FILE, DEPLOY, REPO
from tests.deploy.dockerfiles import context_sources, image_stages, stages

TOOLS = REPO / "tools"
TOOL_JOBS = {"tiny-policy"}  # compose services that run tools, not services
COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())
BUILT = {name: svc for name, svc in COMPOSE["services"].items() if isinstance(svc.get("build"), dict)}
# (where, Dockerfile, target): every Dockerfile's default image and every image compose builds
SERVICE_IMAGES = [(path.name, path, None) for path in sorted((DEPLOY / "docker").glob("*.Dockerfile"))] + [
    (f"compose/{name}", REPO / svc["build"]["dockerfile"], svc["build"].get("target"))
    for name, svc in BUILT.items()
    if name not in TOOL_JOBS
]


def copies_tools(source: str) -> bool:
    """Whether a COPY/ADD source from the build context takes tools/, a part of it or a folder
    above it (`.`)."""
    matches = glob.glob(str(REPO / source)) if glob.has_magic(source) else [str(REPO / source)]
    paths = [Path(match).resolve() for match in matches]
    return any(path == TOOLS or path in TOOLS.parents or TOOLS in path.parents for path in paths)


def test_the_tools_are_one_folder_the_build_context_keeps() -> None:
    find = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert "tools/tiny_models" in find["where"]
    assert (TOOLS / "tiny_models" / "tiny_models" / "__init__.py").exists()
    elsewhere = [p for root in ("proto", "services") for p in (REPO / root).rglob("tiny_models")]
    assert not elsewhere, f"tiny_models outside tools/: {elsewhere}"
    lines = (REPO / ".dockerignore").read_text().splitlines()
    ignored = {line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")}
    assert not {"tools", "tools/tiny_models"} & ignored, "the tiny-models image needs tools/"


@pytest.mark.parametrize(
    ("where", "dockerfile", "target"), SERVICE_IMAGES, ids=[w for w, _, _ in SERVICE_IMAGES]
)
def test_no_service_image_holds_tiny_models(where: str, dockerfile: Path, target: str | None) -> None:
    for stage in image_stages(dockerfile, target):
        for source in context_sources(stage):
            assert not copies_tools(source), f"{where}: stage {stage.name or stage.base} copies {source}"
        # pyproject declares the `tiny-models` script; installing the project without tools/ would
        # leave it pointing at a package the image does not have
        if re.search(r"pip install [^&]*(?<![\w/])\.(?:\[|[\s\"]|$)", stage.text):
            assert re.search(r"\brm [^&]*tiny-models", stage.text), f"{where}: the tiny-models script is left"
            assert re.search(r"! \S*python3? -c \"import tiny_models\"", stage.text), (
                f"{where}: the build does not check that tiny_models is absent"
            )


def test_the_tiny_policy_job_runs_the_tools_image_into_the_trainers_volume() -> None:
    job = BUILT["tiny-policy"]
    dockerfile, target = REPO / job["build"]["dockerfile"], job["build"].get("target")
    assert target, "the tiny-policy job must build a tools target, not a service image"
    assert any(
        copies_tools(src) for stage in image_stages(dockerfile, target) for src in context_sources(stage)
    )
    assert target in {stage.name for stage in stages(dockerfile)}
    # its own image name: building it must not overwrite a service image's tag
    service_images = {svc["image"] for name, svc in BUILT.items() if name not in TOOL_JOBS}
    assert job["image"] not in service_images
    command = job["command"]
    toy = yaml.safe_load((DEPLOY / "trainer" / "toy-compose.yaml").read_text())
    assert command[:1] == ["policy"]
    assert command[command.index("--out") + 1] == toy["policy"], "trainer-cpu would not find the policy"
