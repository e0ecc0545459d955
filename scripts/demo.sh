#!/usr/bin/env bash
# The demo: install on first use, then start the outcome verifier and grade a few answers.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/reward-server ]; then
    bash scripts/setup.sh
fi
exec .venv/bin/python scripts/demo.py "$@"
