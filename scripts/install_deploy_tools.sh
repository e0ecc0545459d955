#!/usr/bin/env bash
# Install what tests/deploy needs: docker-compose (v1, validates without an engine) from Debian,
# `prometheus` and `promtool` unpacked from Debian's `prometheus` package into .tools/prometheus
# (tests/deploy/conftest.py looks there first), and the Kubernetes schema validator into .venv.
# Idempotent: a tool already present is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

if ! command -v docker-compose >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi

# The package is unpacked, not installed: installing it would register (and, where an init system
# runs, start) a Prometheus daemon, while the tests start their own on a loopback port.
PROMETHEUS_DIR=.tools/prometheus
PROMETHEUS_BIN="$PROMETHEUS_DIR/usr/bin"
if [ ! -x "$PROMETHEUS_BIN/prometheus" ] || [ ! -x "$PROMETHEUS_BIN/promtool" ]; then
    download=$(mktemp -d)
    trap 'rm -rf "$download"' EXIT
    if ! (cd "$download" && apt-get download -qq prometheus 2>/dev/null); then
        $SUDO apt-get update -qq
        (cd "$download" && apt-get download -qq prometheus)
    fi
    rm -rf "$PROMETHEUS_DIR"
    mkdir -p "$PROMETHEUS_DIR"
    dpkg -x "$download"/prometheus_*.deb "$PROMETHEUS_DIR"
fi

if [ ! -x .venv/bin/python ]; then
    echo "no .venv: run scripts/setup.sh first" >&2
    exit 1
fi
if ! .venv/bin/python -c "import kubernetes_validate" 2>/dev/null; then
    .venv/bin/python -m pip install --quiet "kubernetes-validate>=1.31"
fi

echo "docker-compose: $(docker-compose version --short 2>/dev/null || echo missing)"
echo "prometheus: $("$PROMETHEUS_BIN/prometheus" --version 2>&1 | head -1)"
echo "promtool: $("$PROMETHEUS_BIN/promtool" --version 2>&1 | head -1)"
echo "kubernetes-validate: $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))')"
