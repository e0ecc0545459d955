# The outcome verifier: CPU only, small. Build from the repository root:
#   docker build -f deploy/docker/outcome-verifier.Dockerfile -t sophia/outcome-verifier .
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY proto ./proto
COPY services ./services
# The core dependencies only: no judge engine, no torch. No tools/ either: the model builders are a
# distribution of their own (tools/tiny_models), and the check below guards that none came along.
RUN /opt/venv/bin/pip install . \
 && /opt/venv/bin/python -c "import reward_server, math_verify" \
 && ! /opt/venv/bin/python -c "import tiny_models" 2>/dev/null

FROM ${PYTHON_IMAGE}
# The server listens on all interfaces, so it needs a key, REWARD_SERVER_API_KEY_FILE (a mounted
# secret) or REWARD_SERVER_API_KEY, and refuses to start without one. Serving without a key takes an
# explicit REWARD_SERVER_ALLOW_UNAUTHENTICATED=true at run time, never baked in (deploy/README.md).
# A stop drains for up to REWARD_SERVER_SHUTDOWN_TIMEOUT_S + 15 s: `docker run --stop-timeout 60`.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    REWARD_SERVER_HOST=0.0.0.0 \
    REWARD_SERVER_PORT=8000
RUN useradd --create-home --uid 10001 app
COPY --from=build /opt/venv /opt/venv
USER app
WORKDIR /home/app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"
ENTRYPOINT ["reward-server"]
CMD ["--scorer", "outcome"]
