"""The toy task's tiny policy: a local tokenizer, random weights, a short supervised warm-up.

    tiny-models policy --out models/tiny-policy

The warm-up is a short supervised pass on training problems whose targets mix reasoned traces
(`<think>3 + 4 = 7.</think><answer>7</answer>`) with guesses (`<think>It is probably 9.</think>
<answer>9</answer>`): the policy comes out as one that has learned to guess part of the time, the
failure the thinking reward is for. Its accuracy starts well above 0% and well below 100%, and
GRPO with both rewards can teach it to reason instead of guess.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trust_grpo.evaluate import chat_prompt
from trust_grpo.toy import Problem, training_problems

from tiny_models.text import build_tokenizer, tiny_qwen2_config

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _tokenizer(seed: int, vocab_size: int) -> Any:
    problems = training_problems(seed)
    corpus = [
        f"{problem.question} {problem.reference_response}" for problem in itertools.islice(problems, 3000)
    ]
    return build_tokenizer(corpus, vocab_size=vocab_size, chat_template=CHAT_TEMPLATE, model_max_length=512)


def guessed_response(problem: Problem, rng: random.Random) -> str:
    """A response that skips the reasoning and names a plausible number."""
    guess = rng.randint(1, 2 * problem.answer + 5)
    return f"<think>It is probably {guess}.</think><answer>{guess}</answer>"


def _warm_up_rows(
    tokenizer: Any, problems: Iterator[Problem], rng: random.Random, *, batch_size: int, guess_share: float
) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, response ids) of one batch, a `guess_share` of the responses being guesses."""
    rows = []
    for _ in range(batch_size):
        problem = next(problems)
        prompt = tokenizer(
            tokenizer.apply_chat_template(
                chat_prompt(problem.question), tokenize=False, add_generation_prompt=True
            ),
            add_special_tokens=False,
        )["input_ids"]
        response = (
            guessed_response(problem, rng) if rng.random() < guess_share else problem.reference_response
        )
        target = tokenizer(response + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
        rows.append((list(prompt), list(target)))
    return rows


def warm_up(
    model: Any,
    tokenizer: Any,
    *,
    steps: int,
    seed: int,
    guess_share: float = 0.5,
    batch_size: int = 32,
    lr: float = 3e-3,
) -> None:
    """Supervised steps on training problems, a `guess_share` of targets being guesses (loss on
    the response only)."""
    import torch

    rng = random.Random(seed)
    problems = training_problems(seed + 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        rows = _warm_up_rows(tokenizer, problems, rng, batch_size=batch_size, guess_share=guess_share)
        width = max(len(p) + len(t) for p, t in rows)
        input_ids = torch.full((batch_size, width), tokenizer.pad_token_id)
        labels = torch.full((batch_size, width), -100)
        attention = torch.zeros((batch_size, width), dtype=torch.long)
        for row, (prompt, target) in enumerate(rows):
            input_ids[row, : len(prompt) + len(target)] = torch.tensor(prompt + target)
            labels[row, len(prompt) : len(prompt) + len(target)] = torch.tensor(target)
            attention[row, : len(prompt) + len(target)] = 1
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


META_FILE = "tiny_policy.json"  # written last: its presence means the policy is complete


def built_policy_matches(out: Path, *, seed: int, warmup_steps: int, guess_share: float) -> bool:
    """Whether `out` holds a complete policy built with these settings (its `tiny_policy.json`)."""
    try:
        meta = json.loads((out / META_FILE).read_text())
    except (OSError, ValueError):
        return False
    wanted = {"seed": seed, "warmup_steps": warmup_steps, "guess_share": guess_share}
    return isinstance(meta, dict) and all(meta.get(key) == value for key, value in wanted.items())


def build_tiny_policy(
    out: Path,
    *,
    seed: int = 0,
    vocab_size: int = 384,
    hidden_size: int = 128,
    layers: int = 4,
    warmup_steps: int = 800,
    guess_share: float = 0.6,
) -> Path:
    """Write a tiny warmed-up Qwen2 policy with its local tokenizer to `out`; returns `out`."""
    import torch
    from transformers import Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(seed, vocab_size)
    tokenizer.save_pretrained(out)
    torch.manual_seed(seed)
    config = tiny_qwen2_config(
        tokenizer, hidden_size=hidden_size, layers=layers, heads=4, kv_heads=2, mlp_ratio=4, max_positions=512
    )
    model = Qwen2ForCausalLM(config)  # type: ignore[no-untyped-call]
    warm_up(model, tokenizer, steps=warmup_steps, seed=seed, guess_share=guess_share)
    model.generation_config.pad_token_id = config.pad_token_id
    model.generation_config.eos_token_id = config.eos_token_id
    model.save_pretrained(out, safe_serialization=True)
    meta = {"seed": seed, "warmup_steps": warmup_steps, "guess_share": guess_share, "built_by": __name__}
    (out / META_FILE).write_text(json.dumps(meta))
    return out
