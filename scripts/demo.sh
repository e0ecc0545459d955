#!/usr/bin/env bash
# The demo: install on first use, then run the whole stack (both services + Trust-GRPO on the toy task).
set -euo pipefail
cd "$(dirname "$0")/.."
# tiny-models too (tools/tiny_models, a distribution of its own): a .venv set up before it existed lacks it
if [ ! -x .venv/bin/reward-server ] || [ ! -x .venv/bin/tiny-models ]; then
    bash scripts/setup.sh
fi
exec .venv/bin/python scripts/demo.py "$@"
