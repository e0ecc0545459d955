"""The builders, each run small: what they write loads back with transformers and keeps the
conventions the tests and the services rely on (Qwen-style digits, `<|im_end|>` ends a turn)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_models.text import build_tokenizer

CORPUS = ["<think>12*3 = 36</think><answer>36</answer>", "What is 3 times 12? \\frac{1}{2} 0.5"] * 20


def test_the_tokenizer_splits_digits_and_ends_turns_with_im_end() -> None:
    tokenizer = build_tokenizer(CORPUS, vocab_size=300)
    assert tokenizer.tokenize("1234") == ["1", "2", "3", "4"]
    assert (tokenizer.eos_token, tokenizer.pad_token) == ("<|im_end|>", "<|endoftext|>")
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    assert tokenizer.decode(tokenizer("12*3 = 36")["input_ids"]) == "12*3 = 36"


def test_the_judge_loads_back_with_its_tokenizer(tmp_path: Path) -> None:
    from tiny_models.judge import build_tiny_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = build_tiny_model(tmp_path / "judge", vocab_size=512, hidden_size=32, teach_steps=2)
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.eos_token_id == tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert model.config.vocab_size == len(tokenizer)
    assert json.loads((out / "tiny_model.json").read_text())["built_by"] == "tiny_models.judge"


def test_the_vl_judge_has_its_processor_and_image_token(tmp_path: Path) -> None:
    from tiny_models.vl_judge import IMAGE_TOKEN, NUM_QUERY_TOKENS, build_tiny_vl_model
    from transformers import AutoConfig, AutoProcessor

    out = build_tiny_vl_model(tmp_path / "vl-judge", vocab_size=512, hidden_size=32, teach_steps=2)
    config = AutoConfig.from_pretrained(out)
    processor = AutoProcessor.from_pretrained(out)
    assert config.num_query_tokens == NUM_QUERY_TOKENS
    assert config.image_token_index == processor.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    assert (out / "model.safetensors").exists()


@pytest.mark.parametrize("guess_share", [0.0, 1.0])
def test_the_warm_up_targets_mix_reasoning_and_guesses(guess_share: float) -> None:
    import random

    from tiny_models.policy import _warm_up_rows
    from trust_grpo.toy import training_problems

    tokenizer = build_tokenizer(CORPUS, vocab_size=300)
    rows = _warm_up_rows(
        tokenizer, training_problems(0), random.Random(0), batch_size=8, guess_share=guess_share
    )
    responses = [tokenizer.decode(target) for _, target in rows]
    assert all(response.endswith("<|im_end|>") for response in responses)
    guesses = sum("It is probably" in response for response in responses)
    assert guesses == round(guess_share * len(rows))


def test_the_policy_loads_back_and_generates(tmp_path: Path) -> None:
    from tiny_models.policy import build_tiny_policy
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trust_grpo.evaluate import chat_prompt

    out = build_tiny_policy(tmp_path / "policy", hidden_size=32, layers=1, warmup_steps=2)
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.generation_config.eos_token_id == tokenizer.convert_tokens_to_ids("<|im_end|>")
    prompt = tokenizer.apply_chat_template(
        chat_prompt("What is 3 + 4?"), add_generation_prompt=True, return_tensors="pt"
    )
    ids = prompt["input_ids"] if hasattr(prompt, "keys") else prompt
    generated = model.generate(ids, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] > ids.shape[1]
    meta = json.loads((out / "tiny_policy.json").read_text())
    assert (meta["warmup_steps"], meta["built_by"]) == (2, "tiny_models.policy")
