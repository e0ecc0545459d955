#!/usr/bin/env bash
# Install what tests/deploy needs: docker-compose (v1, validates without an engine) and promtool
# from Debian, and the Kubernetes schema validator into .venv. Idempotent: a tool already present
# is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v docker-compose >/dev/null 2>&1 || apt_packages+=(docker-compose)
command -v promtool >/dev/null 2>&1 || apt_packages+=(prometheus)
if [ "${#apt_packages[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
    # The Debian package starts a Prometheus server where an init system runs; the tests only need
    # promtool, so stop it again where it was started (no-op in containers without systemd).
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
        $SUDO systemctl stop prometheus || true
    fi
fi

if [ ! -x .venv/bin/python ]; then
    echo "no .venv: run scripts/setup.sh first" >&2
    exit 1
fi
if ! .venv/bin/python -c "import kubernetes_validate" 2>/dev/null; then
    .venv/bin/python -m pip install --quiet "kubernetes-validate>=1.31"
fi

echo "docker-compose: $(docker-compose version --short 2>/dev/null || echo missing)"
echo "promtool: $(promtool --version 2>&1 | head -1)"
echo "kubernetes-validate: $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))')"
