#!/usr/bin/env bash
# The judge benchmark on a GPU host, run as is: a random-weight judge of the released shape
# (Qwen2.5-VL-3B-Instruct's config, built here by `tiny-models released-judge`, no download) on the
# vLLM engine, through `benchmarks.bench_judge`: the service against vLLM's own ceiling, groups
# against unrelated items, and the roofline (docs/benchmarks.md, "The judge on a GPU").
#
#   bash benchmarks/gpu_judge.sh            # writes runs/gpu-judge/report.md (model: runs/gpu-judge/)
#   SMOKE=1 bash benchmarks/gpu_judge.sh    # the same recipe with every size shrunk: a check on a CPU
#
# Where vLLM is not installed, it says so and falls back to the `transformers` engine, which judges
# text only, on the language model of the same shape. Settings (environment variables):
#   PYTHON                  interpreter with the project installed (default: .venv/bin/python, python3)
#   OUT_DIR                 model and report (runs/gpu-judge, or runs/gpu-judge-smoke with SMOKE=1)
#   ITEMS, REPEATS          items per timed batch (1024; smoke 64), timed batches per path (5; smoke 2)
#   GPU_MEMORY_UTILIZATION  vLLM's memory share (0.8; the ceiling's engine and the service's run in turn)
#   PEAK_TFLOPS             the roofline's peak (default: 790, dense bfloat16 on an H200; none on a CPU)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
SMOKE=${SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
    OUT_DIR=${OUT_DIR:-runs/gpu-judge-smoke}
    SHAPE=(--smoke) ITEMS=${ITEMS:-64} REPEATS=${REPEATS:-2}
    ENGINE=(--dtype float32 --gpu-memory-utilization "${GPU_MEMORY_UTILIZATION:-0.2}")
else
    OUT_DIR=${OUT_DIR:-runs/gpu-judge}
    SHAPE=() ITEMS=${ITEMS:-1024} REPEATS=${REPEATS:-5}
    ENGINE=(--dtype bfloat16 --gpu-memory-utilization "${GPU_MEMORY_UTILIZATION:-0.8}")
fi
ROOFLINE=()
if [ -n "${PEAK_TFLOPS:-}" ]; then ROOFLINE=(--peak-tflops "$PEAK_TFLOPS"); fi

if ! "$PYTHON" -c "import reward_server, tiny_models, benchmarks" 2>/dev/null; then
    echo "gpu_judge: $PYTHON cannot import the project. Install it first, with torch already there:" >&2
    echo "  pip install -e '.[gpu,trainer]' && pip install --no-deps -e tools/tiny_models" >&2
    exit 2
fi
if ! "$PYTHON" -c "import vllm" 2>/dev/null; then
    echo "gpu_judge: vLLM is not installed here: falling back to the transformers engine, which judges"
    echo "           text only, on the language model of the released shape (--text-only)."
    BACKEND=transformers SHAPE+=(--text-only) MODEL=$OUT_DIR/model-text
elif ! "$PYTHON" -c "import torchvision" 2>/dev/null; then
    echo "gpu_judge: vLLM loads Qwen2.5-VL only with torchvision, which is not installed here: the vLLM"
    echo "           engine serves the language model of the released shape instead (--text-only)."
    BACKEND=vllm SHAPE+=(--text-only) MODEL=$OUT_DIR/model-text
else
    BACKEND=vllm MODEL=$OUT_DIR/model
fi

mkdir -p "$OUT_DIR"
if [ ! -f "$MODEL/tiny_model.json" ]; then
    echo "gpu_judge: building the random-weight judge in $MODEL"
    "$PYTHON" -m tiny_models released-judge --out "$MODEL" "${SHAPE[@]}"
fi
echo "gpu_judge: $BACKEND engine, $MODEL, $ITEMS items x $REPEATS repeats; report in $OUT_DIR/report.md"
"$PYTHON" -m benchmarks.bench_judge --model "$MODEL" --backend "$BACKEND" --items "$ITEMS" \
    --repeats "$REPEATS" --max-model-len 4096 --trainer-steps 0 "${ENGINE[@]}" "${ROOFLINE[@]}" \
    --markdown --out "$OUT_DIR/report.md"
