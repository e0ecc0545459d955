#!/usr/bin/env bash
# The demo: install on first use, then run the whole stack (both services + Trust-GRPO on the toy task).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/reward-server ]; then
    bash scripts/setup.sh
fi
exec .venv/bin/python scripts/demo.py "$@"
