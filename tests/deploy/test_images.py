"""What the images hold: no service image has the development tools (tools/tiny_models, the tiny
model builders, a distribution of their own), and compose's one-shot `tiny-policy` job runs the image
that does."""

from __future__ import annotations

import fnmatch
import glob
import re
import tomllib
from pathlib import Path
from typing import Any

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


def setuptools_config(project: Path) -> tuple[dict[str, Any], set[str]]:
    """`[project]` of a pyproject.toml and the top-level packages its
    `[tool.setuptools.packages.find]` finds (folders with an `__init__.py` that `include` matches)."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    packages = {
        init.parent.name
        for where in find["where"]
        for init in (project / where).glob("*/__init__.py")
        if any(fnmatch.fnmatchcase(init.parent.name, pattern) for pattern in find.get("include", ["*"]))
    }
    return pyproject["project"], packages


def test_tiny_models_is_a_distribution_of_its_own() -> None:
    project, packages = setuptools_config(REPO)
    assert {"reward_proto", "reward_server", "trust_grpo"} <= packages
    assert not [p for p in packages if p.split(".")[0] == "tiny_models"], "the project's wheel has it"
    assert not [n for n, ref in project["scripts"].items() if ref.startswith("tiny_models")]
    tools_project, tools_packages = setuptools_config(TOOLS / "tiny_models")
    assert tools_packages == {"tiny_models"}
    assert tools_project["scripts"] == {"tiny-models": "tiny_models.cli:main"}
    requires = {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0] for r in tools_project["dependencies"]}
    assert project["name"] in requires  # it imports reward_server and trust_grpo
    pyproject = tomllib.loads((TOOLS / "tiny_models" / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["package-data"]["tiny_models"] == ["py.typed"]


def test_the_tools_are_one_folder_the_build_context_keeps() -> None:
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
        name = stage.name or stage.base
        for source in context_sources(stage):
            assert not copies_tools(source), f"{where}: stage {name} copies {source}"
        # neither from the build context nor from an index (`sophia-tiny-models`)
        installs = re.findall(r"pip install [^&]*", stage.text)
        assert not [cmd for cmd in installs if re.search(r"tiny[-_]models", cmd)], (
            f"{where}: stage {name} installs tiny_models"
        )
        if [cmd for cmd in installs if re.search(r"(?<![\w/])\.(?:\[|[\s\"]|$)", cmd)]:  # the project
            assert re.search(r"! \S*python3? -c \"import tiny_models\"", stage.text), (
                f"{where}: the build does not check that tiny_models is absent"
            )


def test_the_tiny_policy_job_runs_the_tools_image_into_the_trainers_volume() -> None:
    job = BUILT["tiny-policy"]
    dockerfile, target = REPO / job["build"]["dockerfile"], job["build"].get("target")
    assert target, "the tiny-policy job must build a tools target, not a service image"
    job_stages = image_stages(dockerfile, target)
    sources = [source for stage in job_stages for source in context_sources(stage)]
    assert any(copies_tools(source) for source in sources)
    missing = [source for source in sources if not glob.glob(str(REPO / source))]
    assert not missing, f"not in the build context: {missing}"
    # its own distribution, installed over the runtime stage's environment without resolving `torch`
    assert any(
        re.search(r"pip install --no-deps \S*tools/tiny_models\b", stage.text) for stage in job_stages
    ), "the tools image does not install tools/tiny_models with --no-deps"
    assert target in {stage.name for stage in stages(dockerfile)}
    # its own image name: building it must not overwrite a service image's tag
    service_images = {svc["image"] for name, svc in BUILT.items() if name not in TOOL_JOBS}
    assert job["image"] not in service_images
    command = job["command"]
    toy = yaml.safe_load((DEPLOY / "trainer" / "toy-compose.yaml").read_text())
    assert command[:1] == ["policy"]
    assert command[command.index("--out") + 1] == toy["policy"], "trainer-cpu would not find the policy"
