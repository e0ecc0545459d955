"""Build a tiny Qwen2 judge offline: random weights and a tokenizer trained here (no hub).

    python -m reward_server.tiny_model --out models/tiny-judge

It speaks the judge's chat format and its tokenizer splits digits into single tokens like Qwen's,
so every engine path (transformers, vLLM, OpenAI server) runs end to end on a laptop. Its scores
are meaningless: it exists for tests and benchmarks.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def build_tokenizer(
    corpus: Iterable[str],
    *,
    vocab_size: int,
    special_tokens: Sequence[str] = SPECIAL_TOKENS,
    chat_template: str = CHAT_TEMPLATE,
    model_max_length: int = 4096,
) -> Any:
    """A byte-level BPE tokenizer trained on `corpus` that splits digits into single tokens, as
    Qwen's do, with `<|im_end|>` as end of sequence and `<|endoftext|>` as padding."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        chat_template=chat_template,
        model_max_length=model_max_length,
    )


def tiny_qwen2_config(
    tokenizer: Any,
    *,
    hidden_size: int,
    layers: int = 2,
    heads: int = 2,
    kv_heads: int = 1,
    mlp_ratio: int = 2,
    max_positions: int = 4096,
    **extra: Any,
) -> Any:
    """A small Qwen2 config whose special tokens match `build_tokenizer`'s."""
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * mlp_ratio,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        eos_token_id=int(tokenizer.convert_tokens_to_ids("<|im_end|>")),
        pad_token_id=int(tokenizer.convert_tokens_to_ids("<|endoftext|>")),
        bos_token_id=None,
        **extra,
    )


def _corpus(seed: int) -> list[str]:
    from reward_server.scorers.thinking.prompt import template

    rng = random.Random(seed)
    lines = [template(), "<answer>0.7</answer> <answer>1.0</answer> <answer>0.25</answer>"]
    words = [
        "apples",
        "boxes",
        "each",
        "there",
        "are",
        "so",
        "then",
        "total",
        "the",
        "answer",
        "is",
        "step",
        "first",
        "we",
        "compute",
    ]
    for _ in range(2000):
        a, b = rng.randint(1, 999), rng.randint(1, 99)
        lines.append(
            f"<think>{' '.join(rng.choices(words, k=6))} {a}*{b} = {a * b}. {a} + {b} = {a + b}.</think>"
            f"<answer>{a * b + b}</answer> Question: How many {rng.choice(words)}? "
            "$x^2$ \\frac{1}{2}"
        )
    return lines


def _teach_scores(model: Any, tokenizer: Any, seed: int, steps: int) -> None:
    """A short supervised pass so the judge answers in its format, `<answer>0.7</answer>`, with
    the rules judge's score as target: enough to exercise score parsing and logprobs, nothing
    more."""
    import torch

    from reward_server.scorers.thinking.prompt import SYSTEM_MESSAGE, render_prompt
    from reward_server.scorers.thinking.rules import judge_trace

    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        batch = []
        for _ in range(4):
            a, b = rng.randint(2, 99), rng.randint(2, 9)
            result = a * b + (0 if rng.random() < 0.5 else rng.randint(1, 5))
            trace = f"<think>{a}*{b} = {result}</think><answer>{result}</answer>"
            score = round(judge_trace(trace).score, 1)
            messages = [
                {"role": "system", "content": SYSTEM_MESSAGE},
                {"role": "user", "content": render_prompt("How many?", trace)},
            ]
            prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            batch.append((prompt, f"<answer>{score}</answer><|im_end|>"))
        losses = []
        for prompt, target in batch:
            prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            target_ids = tokenizer(target, add_special_tokens=False)["input_ids"]
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
    fast = build_tokenizer(_corpus(seed), vocab_size=vocab_size)
    fast.save_pretrained(out)
    torch.manual_seed(seed)
    config = tiny_qwen2_config(fast, hidden_size=hidden_size)
    model = Qwen2ForCausalLM(config)  # type: ignore[no-untyped-call]
    _teach_scores(model, fast, seed, teach_steps)
    model.save_pretrained(out, safe_serialization=True)
    (out / "tiny_model.json").write_text(json.dumps({"seed": seed, "built_by": "reward_server.tiny_model"}))
    return out


def main(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("models/tiny-judge"),
    seed: Annotated[int, typer.Option(help="Seed of the weights and the tokenizer corpus.")] = 0,
) -> None:
    """Build the tiny judge model."""
    print(build_tiny_model(out, seed=seed))


if __name__ == "__main__":
    typer.run(main)
