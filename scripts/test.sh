#!/usr/bin/env bash
# The whole test suite, including slow tests and the verl plugin's, plus lint and type checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m ruff check .
"$PY" -m ruff format --check .
"$PY" -m mypy proto/reward_proto services/reward_server/reward_server services/trainer/trust_grpo \
    tools/tiny_models/tiny_models
"$PY" -m pytest "$@"
# the verl plugin, in its own environment (verl pins transformers<5.11): scripts/setup_verl.sh
bash scripts/test_verl.sh
