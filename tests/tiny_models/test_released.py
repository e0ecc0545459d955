"""The random-weight judge of the released shape: Qwen2.5-VL-3B-Instruct's sizes, and a smoke build
whose tokenizer, config and chat template agree."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_models.released import VISION_TOKENS, build_released_judge, released_config
from tiny_models.text import SPECIAL_TOKENS, build_tokenizer
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    Qwen2_5_VLForConditionalGeneration,
    Qwen2ForCausalLM,
)

from benchmarks.bench_judge import language_model_parameters


def _parameters(model: torch.nn.Module, *, vision: bool | None = None) -> int:
    return sum(
        p.numel() for name, p in model.named_parameters() if vision is None or ("visual" in name) == vision
    )


def test_the_full_shape_has_the_released_models_parameter_counts() -> None:
    tokenizer = build_tokenizer(
        ["1 + 2 = 3"] * 8, vocab_size=300, special_tokens=[*SPECIAL_TOKENS, *VISION_TOKENS]
    )
    with torch.device("meta"):
        vision_language = Qwen2_5_VLForConditionalGeneration(released_config(tokenizer))
        text = Qwen2ForCausalLM(released_config(tokenizer, text_only=True))
    # Qwen2.5-VL-3B-Instruct: 3.75B parameters; its language model is Qwen2.5-3B's 3.09B.
    assert 3.74e9 < _parameters(vision_language) < 3.76e9
    assert 3.08e9 < _parameters(vision_language, vision=False) < 3.10e9
    assert _parameters(text) == _parameters(vision_language, vision=False)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_released_judge(tmp_path_factory.mktemp("released") / "smoke", smoke=True)


def test_the_smoke_build_loads_with_matching_token_ids(smoke: Path) -> None:
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(smoke)
    tokenizer = AutoTokenizer.from_pretrained(smoke)
    for name, token in [("image_token_id", "<|image_pad|>"), ("vision_start_token_id", "<|vision_start|>")]:
        assert getattr(model.config, name) == tokenizer.convert_tokens_to_ids(token)
    assert model.config.text_config.eos_token_id == tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert model.config.text_config.vocab_size == 151_936  # the released embedding, not the tokenizer's size
    ids = tokenizer("<|im_start|>user\n1 + 2 = 3<|im_end|>", return_tensors="pt")["input_ids"]
    assert model(input_ids=ids).logits.shape == (1, ids.shape[1], 151_936)
    assert language_model_parameters(smoke) == _parameters(model, vision=False)


def test_the_chat_template_places_an_image_as_qwens_placeholder_run(smoke: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(smoke)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "How many?"}]}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    image = "<|vision_start|><|image_pad|><|vision_end|>"
    assert text == f"<|im_start|>user\n{image}How many?<|im_end|>\n<|im_start|>assistant\n"


def test_the_text_only_build_is_a_plain_qwen2_decoder(tmp_path: Path) -> None:
    model = AutoModelForCausalLM.from_pretrained(
        build_released_judge(tmp_path / "text", smoke=True, text_only=True)
    )
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert model.config.hidden_size == 128
