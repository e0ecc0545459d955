#!/usr/bin/env bash
# The verl plugin's tests (tests/verl), in the environment scripts/setup_verl.sh creates: verl pins
# transformers<5.11, so they cannot run in .venv. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv-verl/bin/python
if [ ! -x "$PY" ] || ! "$PY" -c "import verl" 2>/dev/null; then
    echo "error: $PY with verl not found; run 'bash scripts/setup_verl.sh' first" >&2
    exit 1
fi
# -p no:cacheprovider: the main environment's runs own .pytest_cache
exec "$PY" -m pytest tests/verl -p no:cacheprovider "$@"
