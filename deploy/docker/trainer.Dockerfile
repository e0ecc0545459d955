# The Trust-GRPO trainer on a CUDA PyTorch base (also runs on CPU: the compose `cpu` profile).
# Build from the repository root:
#   docker build -f deploy/docker/trainer.Dockerfile -t sophia/trainer .
ARG TORCH_IMAGE=pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime
FROM ${TORCH_IMAGE}

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
# torch comes with the base image (torch>=2.4 is satisfied, so pip keeps it).
RUN python -m pip install ".[trainer]" \
 && python -c "import torch, trust_grpo" \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /models/huggingface /runs /data \
 && chown -R app:app /models /runs /data /opt/app

USER app
VOLUME ["/models", "/runs"]
EXPOSE 9400
ENTRYPOINT ["trust-grpo"]
CMD ["train", "--config", "services/trainer/configs/paper.yaml", "--output-dir", "/runs", "--metrics-port", "9400", "--no-progress"]
