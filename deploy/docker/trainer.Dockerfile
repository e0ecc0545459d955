# The Trust-GRPO trainer and the policy's rollout server (`trl vllm-serve`) on the official vLLM
# image: TRL's server mode needs vLLM on both sides (the trainer's weight sync uses vLLM's NCCL
# engine), and TRL 1.16 supports vLLM 0.22 to 0.31. It also runs on CPU (the compose `cpu` profile).
# Build from the repository root:
#   docker build -f deploy/docker/trainer.Dockerfile -t sophia/trainer .
#   docker build -f deploy/docker/trainer.Dockerfile --target tiny-models -t sophia/tiny-models .
# Two images from one environment: `trainer`, the last stage and so the default, and `tiny-models`,
# the offline model builders of tools/tiny_models (compose's one-shot `tiny-policy` job builds the
# toy policy with it). Only the `tiny-models` stage copies tools/ and installs them: the trainer
# image has no tiny_models, a development tool and a distribution of its own, not part of the
# services.
ARG VLLM_IMAGE=vllm/vllm-openai:v0.31.0
FROM ${VLLM_IMAGE} AS runtime
# flash-attn for the policy's attention (attn_implementation auto picks it on a GPU). pip takes the
# project's prebuilt wheel matching the image's torch and CUDA when there is one, and compiles
# otherwise (an hour or more); FLASH_ATTN_VERSION= (empty) leaves it out: then sdpa is used.
ARG FLASH_ATTN_VERSION=2.8.3

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/models/huggingface \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /opt/app
COPY pyproject.toml README.md ./
COPY proto ./proto
COPY services ./services
COPY deploy/trainer ./deploy/trainer
# torch and vLLM come with the base image (torch>=2.4 is satisfied, so pip keeps it). The project's
# distribution holds no tiny_models (tools/tiny_models is its own); the check below guards that.
RUN python3 -m pip install ".[trainer]" \
 && if [ -n "${FLASH_ATTN_VERSION}" ]; then \
        python3 -m pip install --no-build-isolation "flash-attn==${FLASH_ATTN_VERSION}"; fi \
 && python3 -c "import torch, trust_grpo, trl, vllm" \
 && ! python3 -c "import tiny_models" 2>/dev/null \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /models/huggingface /runs /data \
 && chown -R app:app /models /runs /data /opt/app

USER app
VOLUME ["/models", "/runs"]

# `--target tiny-models`: the trainer's environment plus tools/tiny_models (its package and
# pyproject.toml, not a local build's egg-info).
FROM runtime AS tiny-models
USER root
COPY tools/tiny_models/pyproject.toml ./tools/tiny_models/
COPY tools/tiny_models/tiny_models ./tools/tiny_models/tiny_models
# --no-deps: what it needs (the project, torch, transformers, tokenizers, typer) is in the runtime
# stage, and resolving its `torch` requirement could replace the base image's CUDA build.
RUN python3 -m pip install --no-deps ./tools/tiny_models \
 && python3 -c "import tiny_models.policy" \
 && tiny-models --help > /dev/null
USER app
ENTRYPOINT ["tiny-models"]
CMD ["policy", "--out", "/models/tiny-policy", "--reuse"]

# The default target: the trainer (compose's `rollout` runs `trl vllm-serve` from it, on port 8000).
FROM runtime AS trainer
EXPOSE 9400 8000
ENTRYPOINT ["trust-grpo"]
CMD ["train", "--config", "services/trainer/configs/paper.yaml", "--output-dir", "/runs", "--metrics-port", "9400", "--no-progress"]
