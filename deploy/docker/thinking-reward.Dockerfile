# The thinking-reward service on the official vLLM image (CUDA, vLLM and torch already inside).
# Build from the repository root:
#   docker build -f deploy/docker/thinking-reward.Dockerfile -t sophia/thinking-reward .
# The same vLLM as the trainer image's (deploy/docker/trainer.Dockerfile): one version on the host.
ARG VLLM_IMAGE=vllm/vllm-openai:v0.31.0
FROM ${VLLM_IMAGE}
# flash-attn for the `transformers` judge backend (attn_implementation auto picks it on a GPU; vLLM
# brings its own kernels). A prebuilt wheel when one matches the image's torch and CUDA, else a
# long compile; FLASH_ATTN_VERSION= (empty) leaves it out: then sdpa is used.
ARG FLASH_ATTN_VERSION=2.8.3

# The server listens on all interfaces, so it needs a key, REWARD_SERVER_API_KEY_FILE (a mounted
# secret) or REWARD_SERVER_API_KEY, and refuses to start without one. Serving without a key takes an
# explicit REWARD_SERVER_ALLOW_UNAUTHENTICATED=true at run time, never baked in (deploy/README.md).
# A stop drains for up to REWARD_SERVER_SHUTDOWN_TIMEOUT_S + 15 s: `docker run --stop-timeout 60`.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/models/huggingface \
    REWARD_SERVER_HOST=0.0.0.0 \
    REWARD_SERVER_PORT=8000

WORKDIR /opt/app
COPY pyproject.toml README.md ./
COPY proto ./proto
COPY services ./services
# --no-deps keeps the image's vLLM, torch, transformers, fastapi, pydantic and pillow as they are;
# only what vLLM does not bring is added. No tools/: the model builders are a distribution of their
# own (tools/tiny_models), and the check below guards that none came along.
RUN python3 -m pip install --no-deps . \
 && python3 -m pip install \
        "pydantic-settings>=2.3,<3" "typer>=0.12" "rich>=13" \
        "math-verify[antlr4_13_2]>=0.7" "jiwer>=3.0" "rouge-score>=0.1.2" \
 && if [ -n "${FLASH_ATTN_VERSION}" ]; then \
        python3 -m pip install --no-build-isolation "flash-attn==${FLASH_ATTN_VERSION}"; fi \
 && python3 -c "import reward_server, vllm" \
 && ! python3 -c "import tiny_models" 2>/dev/null \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /models/huggingface \
 && chown -R app:app /models

USER app
EXPOSE 8000
VOLUME ["/models"]
# Model loads take minutes: the start period covers a first download into the cache volume.
HEALTHCHECK --interval=15s --timeout=5s --start-period=900s --retries=3 \
    CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"
ENTRYPOINT ["reward-server"]
CMD ["--scorer", "thinking", "--backend", "vllm", "--model", "bunny127/SophiaVL-R1-Thinking-Reward-Model-3B"]
