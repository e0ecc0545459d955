"""Held-out accuracy: greedy decoding of each problem, graded by the outcome verifier."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from reward_proto import ScoreItem

from trust_grpo.data import TaskItem
from trust_grpo.remote import ClientOptions, RemoteReward
from trust_grpo.rewards import CORRECT_THRESHOLD

EVAL_BATCH = 64


@dataclass(frozen=True)
class EvalResult:
    """Greedy accuracy on held-out problems; `failed` items (no score) are left out of it.
    `responses` and `scores` (None where grading failed) are per problem, in order."""

    accuracy: float
    scored: int
    failed: int
    mean_response_tokens: float
    responses: tuple[str, ...] = ()
    scores: tuple[float | None, ...] = ()
    response_tokens: tuple[int, ...] = ()

    def records(self, items: Sequence[TaskItem]) -> list[dict[str, Any]]:
        """One JSON-ready record per problem: question, ground truth, response, tokens, score."""
        return [
            {"question": item.question, "ground_truth": item.ground_truth, "response": response,
             "tokens": tokens, "score": score}
            for item, response, tokens, score in zip(
                items, self.responses, self.response_tokens, self.scores, strict=True
            )
        ]  # fmt: skip


def chat_prompt(question: str) -> list[dict[str, str]]:
    """The policy's prompt: the question as one user turn (TRL applies the chat template)."""
    return [{"role": "user", "content": question}]


@torch.no_grad()
def greedy_completions(
    model: Any, tokenizer: Any, questions: Sequence[str], max_new_tokens: int
) -> tuple[list[str], list[int]]:
    """Greedy completions of `questions` (texts, token counts); stops at EOS."""
    was_training = model.training
    model.eval()
    tokenizer.padding_side = "left"
    prompts = [
        tokenizer.apply_chat_template(chat_prompt(question), tokenize=False, add_generation_prompt=True)
        for question in questions
    ]
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    output = model.generate(
        **batch,
        max_new_tokens=max_new_tokens,
        do_sample=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    texts, lengths = [], []
    for row in output[:, batch["input_ids"].shape[1] :].tolist():
        if tokenizer.eos_token_id in row:
            row = row[: row.index(tokenizer.eos_token_id) + 1]
        else:
            row = [token for token in row if token != tokenizer.pad_token_id]
        texts.append(tokenizer.decode(row, skip_special_tokens=True))
        lengths.append(len(row))
    model.train(was_training)
    return texts, lengths


async def _grade(
    items: Sequence[TaskItem], texts: Sequence[str], urls: Sequence[str], options: ClientOptions
) -> list[float | None]:
    verifier = RemoteReward("outcome", urls, options)
    try:
        scores = await verifier.score(
            [
                ScoreItem(
                    id=f"eval-{index}",
                    question=item.question,
                    response=text,
                    ground_truth=item.ground_truth,
                    answer_type=item.answer_type,
                    images=list(item.images) or None,
                )
                for index, (item, text) in enumerate(zip(items, texts, strict=True))
            ]
        )
    finally:
        await verifier.aclose()
    return [score.score if score.ok else None for score in scores]


def evaluate(
    model: Any,
    tokenizer: Any,
    items: Sequence[TaskItem],
    *,
    outcome_url: Sequence[str],
    options: ClientOptions,
    max_new_tokens: int,
) -> EvalResult:
    """Greedy accuracy on `items`, graded by the outcome verifier at `outcome_url`."""
    texts: list[str] = []
    lengths: list[int] = []
    for start in range(0, len(items), EVAL_BATCH):
        batch = items[start : start + EVAL_BATCH]
        more_texts, more_lengths = greedy_completions(
            model, tokenizer, [item.question for item in batch], max_new_tokens
        )
        texts += more_texts
        lengths += more_lengths
    scores = asyncio.run(_grade(items, texts, outcome_url, options))
    ok = [score for score in scores if score is not None]
    correct = sum(score >= CORRECT_THRESHOLD for score in ok)
    return EvalResult(
        correct / len(ok) if ok else math.nan,
        len(ok),
        len(scores) - len(ok),
        sum(lengths) / max(1, len(lengths)),
        tuple(texts),
        tuple(scores),
        tuple(lengths),
    )
