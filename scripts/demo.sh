#!/usr/bin/env bash
# The demo: install on first use, then run the whole stack (both services + Trust-GRPO on the toy task).
set -euo pipefail
cd "$(dirname "$0")/.."
# tiny-models too: a .venv installed before tools/tiny_models existed lacks it
if [ ! -x .venv/bin/reward-server ] || [ ! -x .venv/bin/tiny-models ]; then
    bash scripts/setup.sh
fi
exec .venv/bin/python scripts/demo.py "$@"
