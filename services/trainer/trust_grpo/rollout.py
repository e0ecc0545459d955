"""Rollouts with Hugging Face `generate`, and per-token log-probabilities of completions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


def prompt_text(tokenizer: Any, question: str) -> str:
    """The policy's prompt: the question as a user turn, in the tokenizer's chat template."""
    messages = [{"role": "user", "content": question}]
    return str(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))


@dataclass
class Rollouts:
    """Sampled completions: token ids without padding, and their decoded text."""

    prompt_ids: list[list[int]]
    completion_ids: list[list[int]]
    texts: list[str]

    @property
    def completion_tokens(self) -> int:
        return sum(len(ids) for ids in self.completion_ids)


@torch.no_grad()
def generate(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    *,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    do_sample: bool = True,
) -> Rollouts:
    """Complete each prompt once (repeat a prompt G times for a group); stops at EOS."""
    tokenizer.padding_side = "left"
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    batch = {key: value.to(model.device) for key, value in batch.items()}
    sampling: dict[str, Any] = (
        {"do_sample": True, "temperature": temperature, "top_p": top_p} if do_sample else {"do_sample": False}
    )
    output = model.generate(
        **batch,
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **sampling,
    )
    width = batch["input_ids"].shape[1]
    prompt_ids: list[list[int]] = []
    completion_ids: list[list[int]] = []
    for row, mask in zip(output, batch["attention_mask"], strict=True):
        prompt_ids.append(row[:width][mask.bool()].tolist())
        completion = row[width:].tolist()
        if tokenizer.eos_token_id in completion:
            completion = completion[: completion.index(tokenizer.eos_token_id) + 1]
        else:
            completion = [token for token in completion if token != tokenizer.pad_token_id]
        completion_ids.append(completion)
    texts = tokenizer.batch_decode(completion_ids, skip_special_tokens=True)
    return Rollouts(prompt_ids, completion_ids, texts)


def completion_logprobs(
    model: Any, prompt_ids: list[list[int]], completion_ids: list[list[int]], pad_token_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities of each completion token under `model`: (logprobs, mask), both of shape
    [batch, longest completion], mask 1 on real completion tokens."""
    device = next(model.parameters()).device
    sequences = [p + c for p, c in zip(prompt_ids, completion_ids, strict=True)]
    width = max(len(s) for s in sequences)
    longest = max(max(len(c) for c in completion_ids), 1)
    input_ids = torch.full((len(sequences), width), pad_token_id, dtype=torch.long)
    attention = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        input_ids[row, : len(sequence)] = torch.tensor(sequence)
        attention[row, : len(sequence)] = 1
    logits = model(input_ids=input_ids.to(device), attention_mask=attention.to(device)).logits.float()
    logprobs = torch.zeros((len(sequences), longest), device=device)
    mask = torch.zeros((len(sequences), longest), device=device)
    for row, (prompt, completion) in enumerate(zip(prompt_ids, completion_ids, strict=True)):
        if not completion:
            continue
        start = len(prompt)
        # logits at position t predict token t+1
        step_logits = logits[row, start - 1 : start - 1 + len(completion)]
        targets = torch.tensor(completion, device=device)
        logprobs[row, : len(completion)] = torch.log_softmax(step_logits, dim=-1).gather(1, targets[:, None])[
            :, 0
        ]
        mask[row, : len(completion)] = 1.0
    return logprobs, mask
