"""A tiny BLIP-2 judge: a random BLIP vision tower and Q-Former, a random Qwen2 language model and
the tiny judge's tokenizer recipe (no hub).

    tiny-models vl-judge --out models/tiny-vl-judge

The vision-language twin of `tiny_models.judge`, so the vLLM path with images runs end to end on a
laptop. BLIP-2 because vLLM's module for it, and its Hugging Face processor (a PIL image
processor), import without torchvision, which the CPU build of torch here cannot load; LLaVA and
Qwen2-VL need it. vLLM puts the image's `NUM_QUERY_TOKENS` placeholder tokens at the start of the
prompt, so the chat template writes nothing for an image part. `<image>` is a special token here,
so the `<image>` tag the scorer puts in questions becomes that token id too; vLLM places the image
features by position, not by token id, so it stays an ordinary (random) embedding. Its scores are
meaningless: it exists for tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tiny_models.judge import judge_corpus, teach_scores
from tiny_models.text import SPECIAL_TOKENS, build_tokenizer, tiny_qwen2_config

IMAGE_TOKEN = "<image>"  # the token vLLM's BLIP-2 looks up
NUM_QUERY_TOKENS = 32  # prompt tokens per image: the Q-Former's queries


def _blip2_config(tokenizer: Any, *, hidden_size: int, image_size: int) -> Any:
    """BLIP-2 with a 2-layer vision tower and Q-Former (hidden 64) over a tiny Qwen2."""
    from transformers import Blip2Config, Blip2QFormerConfig, Blip2VisionConfig

    vision_hidden, qformer_hidden = 64, 64
    text_config = tiny_qwen2_config(tokenizer, hidden_size=hidden_size, architectures=["Qwen2ForCausalLM"])
    return Blip2Config(
        vision_config=Blip2VisionConfig(
            hidden_size=vision_hidden,
            intermediate_size=vision_hidden * 2,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=image_size,
            patch_size=8,
        ),
        qformer_config=Blip2QFormerConfig(
            hidden_size=qformer_hidden,
            intermediate_size=qformer_hidden * 2,
            num_hidden_layers=2,
            num_attention_heads=2,
            cross_attention_frequency=1,  # every layer looks at the image
            encoder_hidden_size=vision_hidden,
        ),
        text_config=text_config,
        num_query_tokens=NUM_QUERY_TOKENS,
        image_token_index=int(tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)),
    )


def build_tiny_vl_model(
    out: Path,
    *,
    seed: int = 0,
    vocab_size: int = 1024,
    hidden_size: int = 128,
    image_size: int = 32,
    teach_steps: int = 200,
) -> Path:
    """Write a tiny BLIP-2 (BLIP vision tower, Q-Former, Qwen2 language model) with its processor
    to `out`; returns `out`. One image becomes `NUM_QUERY_TOKENS` prompt tokens."""
    import torch
    from transformers import Blip2ForConditionalGeneration, Blip2Processor, BlipImageProcessorPil

    out.mkdir(parents=True, exist_ok=True)
    # the chat template writes text parts only: vLLM inserts the image's tokens itself
    tokenizer = build_tokenizer(
        judge_corpus(seed), vocab_size=vocab_size, special_tokens=[*SPECIAL_TOKENS, IMAGE_TOKEN]
    )
    image_processor = BlipImageProcessorPil(size={"height": image_size, "width": image_size})
    processor = Blip2Processor(  # type: ignore[no-untyped-call]
        image_processor, tokenizer, num_query_tokens=NUM_QUERY_TOKENS
    )
    processor.save_pretrained(out)
    torch.manual_seed(seed)
    model = Blip2ForConditionalGeneration(
        _blip2_config(tokenizer, hidden_size=hidden_size, image_size=image_size)
    )
    # The language model learns the answer format on text; the image part stays random.
    teach_scores(model.language_model, tokenizer, seed, teach_steps)
    model.save_pretrained(out, safe_serialization=True)
    (out / "tiny_model.json").write_text(json.dumps({"seed": seed, "built_by": __name__}))
    return out
