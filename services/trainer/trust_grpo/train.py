"""The Trust-GRPO loop: rollouts, asynchronous scoring, trust-weighted advantages, clipped updates.

One step: draw `prompts_per_step` problems; generate `group_size` responses for each, a chunk of
groups at a time in a worker thread; send every finished group to both reward services at once
(asyncio) while the next chunk is generated; then combine the scores (`trust_rewards`), compute
group advantages and take an optimizer step on the GRPO loss.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from reward_proto import ScoreItem

from trust_grpo.client import ItemScore, RewardClient
from trust_grpo.config import TrainConfig
from trust_grpo.data import TaskItem, evaluation_items, training_stream
from trust_grpo.loss import grpo_loss
from trust_grpo.metrics import TrainerMetrics
from trust_grpo.rewards import CORRECT_THRESHOLD, Mode, group_advantages, judged_mask, trust_rewards
from trust_grpo.rollout import completion_logprobs, generate, prompt_text

STATE_FILE = "trainer_state.pt"
EVAL_BATCH = 64


class TrainingStopped(RuntimeError):
    """The run stopped early (a checkpoint was written); the message says why and how to resume."""


@dataclass
class Group:
    """One prompt's G responses, their scores and, once combined, their advantages."""

    task: TaskItem
    prompt_ids: list[list[int]]
    completion_ids: list[list[int]]
    texts: list[str]
    ref_logprobs: torch.Tensor | None = None
    old_logprobs: torch.Tensor | None = None
    outcome: list[ItemScore] = field(default_factory=list)
    thinking: list[ItemScore] = field(default_factory=list)


@dataclass
class EvalResult:
    """Greedy accuracy on held-out problems; `failed` items (no score) are left out."""

    accuracy: float
    scored: int
    failed: int


def _score_items(task: TaskItem, texts: Sequence[str], prefix: str) -> list[ScoreItem]:
    return [
        ScoreItem(
            id=f"{prefix}-r{index}",
            group_id=prefix,
            question=task.question,
            images=list(task.images) or None,
            response=text,
            ground_truth=task.ground_truth,
            answer_type=task.answer_type,
        )
        for index, text in enumerate(texts)
    ]


def _scores(results: Sequence[ItemScore]) -> torch.Tensor:
    return torch.tensor([result.score for result in results], dtype=torch.float64)


def _mean(values: torch.Tensor) -> float | None:
    values = values[~torch.isnan(values)]
    return float(values.mean()) if values.numel() else None


NOT_ASKED = "not_asked"


def _not_asked(item_id: str) -> ItemScore:
    return ItemScore(id=item_id, score=math.nan, status=NOT_ASKED, reason="the judge was not asked")


async def score_group(
    texts: Sequence[str],
    task: TaskItem,
    prefix: str,
    outcome: RewardClient,
    thinking: RewardClient | None,
    mode: Mode = "paper",
) -> tuple[list[ItemScore], list[ItemScore]]:
    """Outcome and thinking scores of one group, both requests at once. In `sophia_release` mode
    the judge is asked only about the items that mode scores, which needs the outcomes first;
    without a thinking client every thinking score is NaN (`not_asked`)."""
    items = _score_items(task, texts, prefix)
    if thinking is None:
        return await outcome.score(items), [_not_asked(item.id) for item in items]
    if mode == "paper":
        outcomes, thoughts = await asyncio.gather(outcome.score(items), thinking.score(items))
        return outcomes, thoughts
    outcomes = await outcome.score(items)
    asked = judged_mask(_scores(outcomes), mode).tolist()
    judged = iter(await thinking.score([item for item, ask in zip(items, asked, strict=True) if ask]))
    return outcomes, [
        next(judged) if ask else _not_asked(item.id) for item, ask in zip(items, asked, strict=True)
    ]


async def score_one_at_a_time(
    texts: Sequence[str], task: TaskItem, prefix: str, outcome: RewardClient, thinking: RewardClient | None
) -> tuple[list[ItemScore], list[ItemScore]]:
    """The released SophiaVL-R1 client: one item per request, one request in flight."""
    outcomes, thoughts = [], []
    for item in _score_items(task, texts, prefix):
        outcomes += await outcome.score([item])
        thoughts += await thinking.score([item]) if thinking is not None else [_not_asked(item.id)]
    return outcomes, thoughts


def _stacked(rows: Sequence[tuple[Group, int, float]], name: str, fallback: torch.Tensor) -> torch.Tensor:
    """Per-token values stored on the groups (`ref_logprobs`, `old_logprobs`) for `rows`, padded
    to `fallback`'s width; rows whose group has none take `fallback`'s row."""
    width = fallback.shape[1]
    lines = []
    for row, (group, index, _) in enumerate(rows):
        stored: torch.Tensor | None = getattr(group, name)
        line = fallback[row] if stored is None else stored[index].to(fallback.device)
        lines.append(torch.nn.functional.pad(line, (0, max(0, width - line.shape[0])))[:width])
    return torch.stack(lines)


class Trainer:
    """Runs one config; `run()` trains, evaluates before and after, and writes the artifacts."""

    def __init__(self, config: TrainConfig, *, resume: bool = False, show_progress: bool = True) -> None:
        from accelerate import Accelerator
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.config = config
        self.show_progress = show_progress
        self.run_dir = config.run_dir
        self.metrics = TrainerMetrics()
        self.accelerator = Accelerator(gradient_accumulation_steps=config.grad_accum_steps)
        self.step = 0
        self.problems_used = 0
        checkpoint = self.latest_checkpoint() if resume else None
        if resume and checkpoint is None:
            raise FileNotFoundError(f"--resume: no checkpoint under {self.run_dir / 'checkpoints'}")
        source = str(checkpoint) if checkpoint else config.policy
        torch.manual_seed(config.seed)
        self.tokenizer = AutoTokenizer.from_pretrained(source)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
        self.reference = AutoModelForCausalLM.from_pretrained(config.policy, dtype=torch.float32)
        self.reference.eval()  # type: ignore[no-untyped-call]
        self.reference.requires_grad_(False)
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        self.model, self.optimizer = self.accelerator.prepare(model, optimizer)
        self.reference.to(self.accelerator.device)
        if checkpoint is not None:
            state = torch.load(checkpoint / STATE_FILE, weights_only=False)
            self.optimizer.load_state_dict(state["optimizer"])
            self.step = int(state["step"])
            self.problems_used = int(state["problems_used"])
            random.setstate(state["python_rng"])
            torch.set_rng_state(state["torch_rng"])
        # Under accelerate/torchrun every process draws its own problems; the main one writes.
        self.is_main = bool(self.accelerator.is_main_process)
        self.stream: Iterator[TaskItem] = training_stream(
            config.dataset, config.seed + self.accelerator.process_index, skip=self.problems_used
        )
        self.failed_steps = 0
        self.metrics_port: int | None = None

    # ------------------------------------------------------------------ rollouts

    def _policy(self) -> Any:
        return self.accelerator.unwrap_model(self.model)

    def _rollout(self, tasks: Sequence[TaskItem]) -> list[Group]:
        """Generate G responses for each task (runs in a worker thread)."""
        config, tokenizer = self.config, self.tokenizer
        prompts = [prompt_text(tokenizer, task.question) for task in tasks for _ in range(config.group_size)]
        policy = self._policy()
        policy.eval()
        rollouts = generate(
            policy,
            tokenizer,
            prompts,
            max_new_tokens=config.max_new_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
        )
        groups = []
        for index, task in enumerate(tasks):
            part = slice(index * config.group_size, (index + 1) * config.group_size)
            group = Group(
                task, rollouts.prompt_ids[part], rollouts.completion_ids[part], rollouts.texts[part]
            )
            # Work that needs no scores runs here, overlapping with the scoring of earlier groups.
            with torch.no_grad():
                if config.kl_coef > 0:
                    group.ref_logprobs, _ = completion_logprobs(
                        self.reference, group.prompt_ids, group.completion_ids, tokenizer.pad_token_id
                    )
                if config.updates_per_batch > 1:
                    group.old_logprobs, _ = completion_logprobs(
                        policy, group.prompt_ids, group.completion_ids, tokenizer.pad_token_id
                    )
            groups.append(group)
        return groups

    # ------------------------------------------------------------------ one step

    async def _scored(
        self, group: Group, prefix: str, outcome: RewardClient, thinking: RewardClient | None
    ) -> None:
        group.outcome, group.thinking = await score_group(
            group.texts, group.task, prefix, outcome, thinking, self.config.mode
        )

    async def _collect(
        self, outcome: RewardClient, thinking: RewardClient | None
    ) -> tuple[list[Group], float]:
        """Rollouts and scores of one step; returns the groups and the seconds spent waiting for
        scores after the last rollout."""
        config = self.config
        tasks = [next(self.stream) for _ in range(config.prompts_per_step)]
        self.problems_used += len(tasks)
        groups: list[Group] = []
        pending: list[asyncio.Task[None]] = []
        for start in range(0, len(tasks), config.rollout_chunk_groups):
            chunk = await asyncio.to_thread(self._rollout, tasks[start : start + config.rollout_chunk_groups])
            for group in chunk:
                prefix = f"s{self.step + 1}-g{len(groups)}"
                groups.append(group)
                if config.pipeline == "async":
                    pending.append(asyncio.create_task(self._scored(group, prefix, outcome, thinking)))
        waited_from = time.perf_counter()
        if config.pipeline == "async":
            await asyncio.gather(*pending)
        else:
            for index, group in enumerate(groups):
                group.outcome, group.thinking = await score_one_at_a_time(
                    group.texts, group.task, f"s{self.step + 1}-g{index}", outcome, thinking
                )
        return groups, time.perf_counter() - waited_from

    def _advantages(self, groups: list[Group], record: dict[str, Any]) -> list[tuple[Group, torch.Tensor]]:
        """Trust-GRPO rewards and advantages per group; drops groups with too few outcomes."""
        config = self.config
        kept: list[tuple[Group, torch.Tensor]] = []
        gammas, outcomes, thinking_correct, thinking_wrong, masked, dropped = [], [], [], [], 0, 0
        for group in groups:
            outcome, thinking = _scores(group.outcome), _scores(group.thinking)
            for result in group.outcome:
                if not result.ok:
                    self.metrics.masked_items.labels(reason=f"outcome_{result.status}").inc()
                    masked += 1
            valid = ~torch.isnan(outcome)
            if int(valid.sum()) < config.min_valid_per_group:
                self.metrics.dropped_groups.inc()
                self.metrics.masked_items.labels(reason="group_dropped").inc(int(valid.sum()))
                dropped += 1
                continue
            rewards, gamma = trust_rewards(
                outcome,
                thinking,
                step=self.step,
                total_steps=config.total_steps,
                alpha=config.alpha,
                anneal_T=config.anneal_T,
                mode=config.mode,
            )
            self.metrics.gamma.observe(gamma)
            gammas.append(gamma)
            outcomes.append(outcome[valid])
            correct = valid & (outcome >= CORRECT_THRESHOLD)
            thinking_correct.append(thinking[correct])
            thinking_wrong.append(thinking[valid & ~correct])
            kept.append((group, group_advantages(rewards)))
        all_outcomes = torch.cat(outcomes) if outcomes else torch.empty(0, dtype=torch.float64)
        record.update(
            groups_kept=len(kept),
            groups_dropped=dropped,
            masked_items=masked,
            outcome_reward_mean=_mean(all_outcomes),
            train_accuracy=_mean((all_outcomes >= CORRECT_THRESHOLD).double()),
            thinking_reward_correct=_mean(torch.cat(thinking_correct)) if kept else None,
            thinking_reward_wrong=_mean(torch.cat(thinking_wrong)) if kept else None,
            gamma_mean=sum(gammas) / len(gammas) if gammas else None,
            gamma_below_one=sum(gamma < 1 for gamma in gammas),
        )
        return kept

    def _update(self, kept: list[tuple[Group, torch.Tensor]], record: dict[str, Any]) -> None:
        """`updates_per_batch` optimizer steps on the GRPO loss, each accumulated over
        `grad_accum_steps` micro-batches."""
        config, pad = self.config, self.tokenizer.pad_token_id
        rows = [
            (group, index, float(advantages[index]))
            for group, advantages in kept
            for index, result in enumerate(group.outcome)
            if result.ok
        ]
        if not rows:
            return
        self.model.train()
        size = math.ceil(len(rows) / config.grad_accum_steps)
        micro_batches = [rows[start : start + size] for start in range(0, len(rows), size)]
        losses, kls, clipped = [], [], []
        for _ in range(config.updates_per_batch):
            for micro in micro_batches:
                with self.accelerator.accumulate(self.model):
                    prompt_ids = [group.prompt_ids[index] for group, index, _ in micro]
                    completion_ids = [group.completion_ids[index] for group, index, _ in micro]
                    logprobs, mask = completion_logprobs(self.model, prompt_ids, completion_ids, pad)

                    detached = logprobs.detach()
                    parts = grpo_loss(
                        logprobs,
                        _stacked(micro, "old_logprobs", detached),
                        _stacked(micro, "ref_logprobs", detached),
                        torch.tensor([advantage for _, _, advantage in micro], device=logprobs.device),
                        mask,
                        clip_eps=config.clip_eps,
                        kl_coef=config.kl_coef,
                    )
                    self.accelerator.backward(parts.loss)
                    if self.accelerator.sync_gradients:
                        self.accelerator.clip_grad_norm_(self.model.parameters(), config.max_grad_norm)
                    self.optimizer.step()
                    self.optimizer.zero_grad()
                    losses.append(float(parts.loss.detach()))
                    kls.append(parts.kl)
                    clipped.append(parts.clipped_fraction)
        record.update(
            loss=sum(losses) / len(losses),
            kl=sum(kls) / len(kls),
            clipped_fraction=sum(clipped) / len(clipped),
        )

    async def train_step(self, outcome: RewardClient, thinking: RewardClient | None) -> dict[str, Any]:
        """One step end to end; returns its metrics record."""
        started = time.perf_counter()
        groups, waited = await self._collect(outcome, thinking)
        record: dict[str, Any] = {"step": self.step + 1}
        kept = self._advantages(groups, record)
        if kept:
            self._update(kept, record)
            self.failed_steps = 0
        else:
            self.failed_steps += 1
        self.step += 1
        elapsed = time.perf_counter() - started
        tokens = sum(len(ids) for group in groups for ids in group.completion_ids)
        record.update(
            step_seconds=elapsed,
            reward_wait_seconds=waited,
            reward_wait_fraction=waited / elapsed,
            tokens_per_second=tokens / elapsed,
            mean_response_tokens=tokens / max(1, sum(len(group.completion_ids) for group in groups)),
            skipped_update=not kept,
        )
        self._export(record)
        return record

    def _export(self, record: dict[str, Any]) -> None:
        metrics = self.metrics
        metrics.step.set(record["step"])
        metrics.reward_wait_seconds.observe(record["reward_wait_seconds"])
        metrics.reward_wait_fraction.set(record["reward_wait_fraction"])
        metrics.tokens_per_second.set(record["tokens_per_second"])
        if record.get("outcome_reward_mean") is not None:
            metrics.outcome_reward_mean.set(record["outcome_reward_mean"])
        for label, key in (("correct", "thinking_reward_correct"), ("wrong", "thinking_reward_wrong")):
            if record.get(key) is not None:
                metrics.thinking_reward_mean.labels(set=label).set(record[key])

    # ------------------------------------------------------------------ evaluation

    async def evaluate(self, items: Sequence[TaskItem], outcome: RewardClient) -> EvalResult:
        """Greedy decoding on `items`, graded by the outcome verifier."""
        correct = scored = failed = 0
        for start in range(0, len(items), EVAL_BATCH):
            batch = items[start : start + EVAL_BATCH]
            prompts = [prompt_text(self.tokenizer, item.question) for item in batch]
            rollouts = await asyncio.to_thread(
                generate,
                self._policy(),
                self.tokenizer,
                prompts,
                max_new_tokens=self.config.max_new_tokens,
                do_sample=False,
            )
            score_items = [
                _score_items(item, [text], f"eval{start + offset}")[0]
                for offset, (item, text) in enumerate(zip(batch, rollouts.texts, strict=True))
            ]
            for result in await outcome.score(score_items):
                if result.ok:
                    scored += 1
                    correct += result.score >= CORRECT_THRESHOLD
                else:
                    failed += 1
        return EvalResult(correct / scored if scored else math.nan, scored, failed)

    # ------------------------------------------------------------------ checkpoints

    def latest_checkpoint(self) -> Path | None:
        checkpoints = sorted((self.run_dir / "checkpoints").glob("step-*"))
        complete = [path for path in checkpoints if (path / STATE_FILE).exists()]
        return complete[-1] if complete else None

    def save_checkpoint(self) -> Path:
        """Weights, tokenizer, optimizer and data position; keeps the newest `keep_checkpoints`."""
        root = self.run_dir / "checkpoints"
        path = root / f"step-{self.step:06d}"
        self.accelerator.wait_for_everyone()
        if not self.is_main:
            return path
        self._policy().save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        state = {
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "problems_used": self.problems_used,
            "python_rng": random.getstate(),
            "torch_rng": torch.get_rng_state(),
        }
        # The state file is written last: a checkpoint without it is incomplete and ignored.
        torch.save(state, path / f"{STATE_FILE}.tmp")
        (path / f"{STATE_FILE}.tmp").rename(path / STATE_FILE)
        for old in sorted(root.glob("step-*"))[: -self.config.keep_checkpoints]:
            shutil.rmtree(old)
        return path

    # ------------------------------------------------------------------ the run

    def _clients(self) -> tuple[RewardClient, RewardClient | None]:
        services = self.config.services
        common: dict[str, Any] = {
            "api_key": services.api_key.get_secret_value() if services.api_key else None,
            "timeout_s": services.timeout_s,
            "attempt_timeout_s": services.attempt_timeout_s,
            "max_retries": services.max_retries,
            "eject_after": services.eject_after,
            "eject_for_s": services.eject_for_s,
            "metrics": self.metrics,
            "seed": self.config.seed,
        }
        outcome = RewardClient(services.outcome_urls, name="outcome", **common)
        if not self.config.use_thinking_reward:
            return outcome, None
        return outcome, RewardClient(services.thinking_urls, name="thinking", **common)

    def _write_record(self, record: dict[str, Any]) -> None:
        if not self.is_main:
            return
        with (self.run_dir / "metrics.jsonl").open("a") as log:
            log.write(json.dumps(record) + "\n")

    def _trim_log(self) -> None:
        """On resume, forget steps after the checkpoint (they will be run again)."""
        log = self.run_dir / "metrics.jsonl"
        if not log.exists():
            return
        kept = [line for line in log.read_text().splitlines() if json.loads(line).get("step", 0) <= self.step]
        log.write_text("".join(line + "\n" for line in kept))

    async def run(self) -> dict[str, Any]:
        """Train to `total_steps`; returns the summary (also written to summary.json)."""
        from trust_grpo.plot import plot_run
        from trust_grpo.progress import StepProgress

        config = self.config
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.json").write_text(config.model_dump_json(indent=2))
        self._trim_log()
        if config.metrics_port is not None and self.is_main:
            self.metrics_port = self.metrics.serve(config.metrics_port, config.metrics_host)
            print(f"trainer metrics on http://{config.metrics_host}:{self.metrics_port}/metrics")
        held_out = evaluation_items(config.dataset, config.eval_dataset, config.eval_problems, config.seed)
        outcome, thinking = self._clients()
        summary: dict[str, Any] = {"name": config.name, "start_step": self.step}
        try:
            if held_out:
                before = await self.evaluate(held_out, outcome)
                summary["accuracy_before"] = before.accuracy
                print(f"held-out accuracy before training: {before.accuracy:.1%} ({before.scored} problems)")
                self._write_record({"step": self.step, "eval_accuracy": before.accuracy})
            with StepProgress(config.total_steps, self.step, enabled=self.show_progress) as progress:
                while self.step < config.total_steps:
                    record = await self.train_step(outcome, thinking)
                    self._write_record(record)
                    progress.advance(record)
                    if config.checkpoint_every and self.step % config.checkpoint_every == 0:
                        self.save_checkpoint()
                    if self.is_main and self.step % config.plot_every == 0:
                        plot_run(self.run_dir)
                    if self.failed_steps >= config.max_consecutive_failed_steps:
                        path = self.save_checkpoint()
                        raise TrainingStopped(
                            f"stopped at step {self.step}: {self.failed_steps} steps in a row had no group "
                            f"with {config.min_valid_per_group}+ scored responses (are the reward services "
                            f"up? {config.services.outcome_urls}). Checkpoint: {path}. "
                            "Continue with --resume."
                        )
            self.save_checkpoint()
            if held_out:
                after = await self.evaluate(held_out, outcome)
                summary["accuracy_after"] = after.accuracy
                print(f"held-out accuracy after training:  {after.accuracy:.1%} ({after.scored} problems)")
                self._write_record({"step": self.step, "eval_accuracy": after.accuracy})
        finally:
            await outcome.aclose()
            if thinking is not None:
                await thinking.aclose()
            if self.is_main:
                plot_run(self.run_dir)
        summary["steps"] = self.step
        (self.run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        return summary
