"""A tiny Qwen2 thinking-reward judge: random weights, the tokenizer recipe of `tiny_models.text`
and a short supervised pass on the judge's answer format.

    tiny-models judge --out models/tiny-judge

It speaks the judge's chat format and its tokenizer splits digits into single tokens like Qwen's,
so every engine path (transformers, vLLM, OpenAI server) runs end to end on a laptop. Its scores
are meaningless: it exists for tests and benchmarks.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tiny_models.text import build_tokenizer, tiny_qwen2_config

_WORDS = [
    "apples", "boxes", "each", "there", "are", "so", "then", "total", "the", "answer", "is", "step",
    "first", "we", "compute",
]  # fmt: skip


def judge_corpus(seed: int) -> list[str]:
    """The judge tokenizer's training text: the judge prompt, answers and arithmetic traces."""
    from reward_server.scorers.thinking.prompt import template

    rng = random.Random(seed)
    lines = [template(), "<answer>0.7</answer> <answer>1.0</answer> <answer>0.25</answer>"]
    for _ in range(2000):
        a, b = rng.randint(1, 999), rng.randint(1, 99)
        lines.append(
            f"<think>{' '.join(rng.choices(_WORDS, k=6))} {a}*{b} = {a * b}. {a} + {b} = {a + b}.</think>"
            f"<answer>{a * b + b}</answer> Question: How many {rng.choice(_WORDS)}? "
            "$x^2$ \\frac{1}{2}"
        )
    return lines


def _scored_example(tokenizer: Any, rng: random.Random) -> tuple[list[int], list[int]]:
    """(prompt ids, target ids): a judge prompt on a short trace, the rules judge's score as target."""
    from reward_server.scorers.thinking.prompt import SYSTEM_MESSAGE, render_prompt
    from reward_server.scorers.thinking.rules import judge_trace

    a, b = rng.randint(2, 99), rng.randint(2, 9)
    result = a * b + (0 if rng.random() < 0.5 else rng.randint(1, 5))
    trace = f"<think>{a}*{b} = {result}</think><answer>{result}</answer>"
    score = round(judge_trace(trace).score, 1)
    messages = [
        {"role": "system", "content": SYSTEM_MESSAGE},
        {"role": "user", "content": render_prompt("How many?", trace)},
    ]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(f"<answer>{score}</answer><|im_end|>", add_special_tokens=False)["input_ids"]
    return list(prompt_ids), list(target_ids)


def teach_scores(model: Any, tokenizer: Any, seed: int, steps: int) -> None:
    """A short supervised pass so the judge answers in its format, `<answer>0.7</answer>`, with
    the rules judge's score as target: enough to exercise score parsing and logprobs, nothing
    more."""
    import torch

    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        losses = []
        for prompt_ids, target_ids in [_scored_example(tokenizer, rng) for _ in range(4)]:
            input_ids = torch.tensor([prompt_ids + target_ids])
            labels = torch.tensor([[-100] * len(prompt_ids) + target_ids])
            losses.append(model(input_ids=input_ids, labels=labels).loss)
        loss = torch.stack(losses).mean()
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    model.eval()


def build_tiny_model(
    out: Path, *, seed: int = 0, vocab_size: int = 1024, hidden_size: int = 128, teach_steps: int = 200
) -> Path:
    """Write a tiny Qwen2 causal LM with a local tokenizer to `out`; returns `out`."""
    import torch
    from transformers import Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    fast = build_tokenizer(judge_corpus(seed), vocab_size=vocab_size)
    fast.save_pretrained(out)
    torch.manual_seed(seed)
    config = tiny_qwen2_config(fast, hidden_size=hidden_size)
    model = Qwen2ForCausalLM(config)  # type: ignore[no-untyped-call]
    teach_scores(model, fast, seed, teach_steps)
    model.save_pretrained(out, safe_serialization=True)
    (out / "tiny_model.json").write_text(json.dumps({"seed": seed, "built_by": __name__}))
    return out
