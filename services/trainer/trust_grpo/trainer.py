"""`TrustGRPOTrainer`: TRL's `GRPOTrainer` with Trust-GRPO advantages from the two reward services.

TRL does everything it does (rollouts with HF `generate` or vLLM, the clipped loss with KL, gradient
accumulation, schedules, PEFT, checkpoints, accelerate/DeepSpeed/FSDP). We change three things:

- the rewards come from the outcome verifier and the thinking judge (`RemoteReward`), both asked at
  once as soon as a batch is generated, so the requests are in flight while TRL computes the
  reference and old log-probabilities;
- at the one place where every process holds the gathered rewards of whole groups
  (`_calculate_rewards`), the scores are combined by `rewards.trust_advantages`;
- those advantages replace TRL's own (its epsilon is 1e-4 and its NaN handling differs; ours wins).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import logging
import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, cast

import torch
from accelerate.utils import gather
from reward_proto import ItemStatus, ScoreItem
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from trl.trainer.grpo_config import GRPOConfig
from trl.trainer.grpo_trainer import GRPOTrainer

from trust_grpo.client import ItemScore
from trust_grpo.config import TrustGRPOConfig, endpoints
from trust_grpo.metrics import TrainerMetrics
from trust_grpo.remote import RemoteReward, score_items
from trust_grpo.rewards import JUDGE_EVERY_RESPONSE, TrustBatch, judged_mask, trust_advantages

logger = logging.getLogger(__name__)

# Outcome statuses as numbers (their index here), so that every process can gather them with the scores.
STATUSES = tuple(ItemStatus)


class TrainingStopped(RuntimeError):
    """Training stopped early because the services failed; a checkpoint was written."""


@dataclass
class _Batch:
    """One generation batch on its way through `_generate_and_score_completions`."""

    inputs: list[dict[str, Any]]
    mode: str
    pending: concurrent.futures.Future[tuple[list[ItemScore], list[ItemScore] | None]] | None = None
    advantages: torch.Tensor | None = None


@dataclass
class _StepTotals:
    """What one optimizer step spent and produced; reset at each step's start."""

    started: float = field(default_factory=time.perf_counter)
    reward_wait_s: float = 0.0
    completion_tokens: int = 0
    batches: int = 0
    usable_groups: int = 0


class TrustGRPOTrainer(GRPOTrainer):
    """`GRPOTrainer(...)` -> `TrustGRPOTrainer(..., outcome_url=..., thinking_url=...)`.

    Dataset columns `ground_truth`, `answer_type`, `question`, `images` and `choices` go to the
    services (`question` defaults to the prompt's last user turn). `reward_funcs` is not taken: the
    rewards are the two services. URLs and keys given here override the config's.
    """

    def __init__(
        self,
        model: Any,
        args: GRPOConfig | None = None,
        *,
        outcome_url: str | Sequence[str] | None = None,
        thinking_url: str | Sequence[str] | None = None,
        outcome_api_key: str | None = None,
        thinking_api_key: str | None = None,
        metrics: TrainerMetrics | None = None,
        **kwargs: Any,
    ) -> None:
        if "reward_funcs" in kwargs:
            raise TypeError("TrustGRPOTrainer takes no reward_funcs: its rewards are the two services")
        config = copy.copy(_trust_config(args, model))  # the URLs below must not change the caller's
        if outcome_url is not None:
            config.outcome_url = endpoints(outcome_url)
        if thinking_url is not None:
            config.thinking_url = endpoints(thinking_url)
        if not config.outcome_url:
            raise ValueError("TrustGRPOTrainer needs the outcome verifier: pass outcome_url=... (or set it)")
        self.trust_metrics = metrics or TrainerMetrics()
        for status in STATUSES[1:]:  # at 0 from the start, so that the first masked items are a rate
            self.trust_metrics.masked_items.labels(reason=f"outcome_{status}")
        outcome_options = config.client_options("outcome")
        thinking_options = config.client_options("thinking")
        if outcome_api_key is not None:
            outcome_options = replace(outcome_options, api_key=outcome_api_key)
        if thinking_api_key is not None:
            thinking_options = replace(thinking_options, api_key=thinking_api_key)
        self.outcome = RemoteReward(
            "outcome", config.outcome_url, outcome_options, metrics=self.trust_metrics
        )
        self.thinking = (
            RemoteReward("thinking", config.thinking_url, thinking_options, metrics=self.trust_metrics)
            if config.thinking_url
            else None
        )
        # TRL types reward functions as sync callables; it awaits async ones (ours) concurrently.
        rewards: list[Any] = [self.outcome] if self.thinking is None else [self.outcome, self.thinking]
        self._trust_batch: _Batch | None = None
        self._trust_batches = 0
        self._step_totals = _StepTotals()
        self.failed_steps = 0
        self.last_trust_batch: TrustBatch | None = None  # the newest batch's Trust-GRPO result
        self.stop_reason: str | None = None
        self.metrics_port: int | None = None
        # (what, start, end) in time.monotonic() seconds: scoring requests and log-prob passes,
        # for profiling the overlap (bounded; the newest are kept).
        self.timeline: deque[tuple[str, float, float]] = deque(maxlen=4096)
        super().__init__(model=model, reward_funcs=rewards, args=config, **kwargs)
        if self.thinking is None:
            logger.warning("no thinking_url: training on the outcome reward alone (plain GRPO)")
        self.add_callback(_TrustCallback(self))

    @property
    def trust_args(self) -> TrustGRPOConfig:
        return cast(TrustGRPOConfig, self.args)

    # ------------------------------------------------------------------ scoring

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        self._trust_batches += 1
        self._trust_batch = _Batch(
            inputs=inputs, mode="train" if self.model is not None and self.model.training else "eval"
        )
        try:
            output: dict[str, Any] = super()._generate_and_score_completions(inputs)
            advantages = self._trust_batch.advantages
        finally:
            self._trust_batch = None
        if advantages is None:
            raise RuntimeError("the batch was not scored (TRL's _calculate_rewards was not called)")
        output["advantages"] = advantages.to(output["advantages"].device, output["advantages"].dtype)
        # TRL's completions table (log_completions) shows the advantages it logged for the whole
        # gathered batch: the newest entries of this deque. They are TRL's; put ours in their place.
        logged, trust = cast("deque[float]", self._logs["advantages"]), self.last_trust_batch
        if trust is not None:
            for _ in range(min(trust.advantages.numel(), len(logged))):
                logged.pop()
            logged.extend(trust.advantages.tolist())
        return output

    def _generate(self, prompts: list[Any]) -> Any:
        result = super()._generate(prompts)
        batch = self._trust_batch
        if batch is not None and self.trust_args.scoring == "overlap":
            completions = result[3]
            items = self._items(batch.inputs, prompts, completions)
            batch.pending = asyncio.run_coroutine_threadsafe(self._score_both(items), self.async_loop)
        return result

    def _get_per_token_logps_and_entropies(self, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return super()._get_per_token_logps_and_entropies(*args, **kwargs)
        finally:
            self.timeline.append(("logprobs", started, time.monotonic()))

    def _items(
        self, inputs: Sequence[dict[str, Any]], prompts: Sequence[Any], completions: Sequence[Any]
    ) -> list[ScoreItem | ItemScore]:
        """Wire items with ids that name the batch, the group and the member across all processes."""
        size = self._group_size()
        first = self.accelerator.process_index * len(completions)
        positions = range(first, first + len(completions))
        group_ids = [f"b{self._trust_batches}-g{position // size}" for position in positions]
        ids = [f"{group}-r{position % size}" for group, position in zip(group_ids, positions, strict=True)]
        keys = [key for key in inputs[0] if key not in ("prompt", "completion", "completion_ids")]
        columns = {key: [row.get(key) for row in inputs] for key in keys}
        return score_items(ids, group_ids, prompts, completions, columns)

    def _group_size(self) -> int:
        training = self._trust_batch is None or self._trust_batch.mode == "train"
        size = self.num_generations if training else self.num_generations_eval or self.num_generations
        return int(size or 1)

    async def _timed(self, what: str, items: Sequence[ScoreItem | ItemScore], reward: RemoteReward) -> Any:
        started = time.monotonic()
        try:
            return await reward.score(items)
        finally:
            self.timeline.append((what, started, time.monotonic()))

    async def _score_both(
        self, items: Sequence[ScoreItem | ItemScore]
    ) -> tuple[list[ItemScore], list[ItemScore] | None]:
        """Both services at once; in `sophia_release` mode the judge waits for the outcomes."""
        if self.thinking is None or self.trust_args.trust_mode not in JUDGE_EVERY_RESPONSE:
            return await self._timed("outcome", items, self.outcome), None
        outcome, thinking = await asyncio.gather(
            self._timed("outcome", items, self.outcome), self._timed("thinking", items, self.thinking)
        )
        return outcome, thinking

    async def _score_one_at_a_time(
        self, items: Sequence[ScoreItem | ItemScore]
    ) -> tuple[list[ItemScore], list[ItemScore] | None]:
        """The released SophiaVL-R1 client: one item per request, one request in flight."""
        outcome: list[ItemScore] = []
        thinking: list[ItemScore] | None = [] if self.thinking is not None else None
        for item in items:
            outcome += await self._timed("outcome", [item], self.outcome)
            if (
                self.thinking is not None
                and thinking is not None
                and self.trust_args.trust_mode in JUDGE_EVERY_RESPONSE
            ):
                thinking += await self._timed("thinking", [item], self.thinking)
        return outcome, thinking

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.async_loop).result()

    def _calculate_rewards(
        self,
        inputs: list[dict[str, Any]],
        prompts: list[Any],
        completions: list[Any],
        completion_ids_list: list[list[int]],
    ) -> torch.Tensor:
        """Our scores, gathered, combined by Trust-GRPO; returns TRL's `(N, funcs)` for its logs."""
        args = self.trust_args
        waited_from = time.perf_counter()
        batch = self._trust_batch
        outcome_scores, thinking_scores = self._local_scores(batch, inputs, prompts, completions)
        local = self._score_rows(outcome_scores, thinking_scores, completion_ids_list)
        size = self._group_size()
        if self.thinking is not None and args.trust_mode == "sophia_release":
            local[:, 1] = self._judge_as_released(local[:, 0], inputs, prompts, completions, size)
        gathered = gather(local)
        self._step_totals.reward_wait_s += time.perf_counter() - waited_from
        outcome, thinking = gathered[:, 0].cpu(), gathered[:, 1].cpu()
        if outcome.numel() % size:
            raise RuntimeError(f"{outcome.numel()} completions do not form groups of {size}")
        step = int(self.state.global_step)
        total = max(int(self.state.max_steps or 0), step + 1)
        result = trust_advantages(
            outcome,
            thinking,
            [index // size for index in range(outcome.numel())],
            step=step,
            total_steps=total,
            alpha=args.alpha,
            anneal_T=args.anneal_T,
            mode=args.trust_mode,
            min_valid_per_group=args.min_valid_per_group,
        )
        self.last_trust_batch = result
        local_size = len(prompts)
        start = self.accelerator.process_index * local_size
        if batch is not None:
            batch.advantages = result.advantages[start : start + local_size]
        self._record(batch.mode if batch else "train", result, gathered, step, total)
        return self._reward_columns(outcome, result)

    def _local_scores(
        self,
        batch: _Batch | None,
        inputs: list[dict[str, Any]],
        prompts: list[Any],
        completions: list[Any],
    ) -> tuple[list[ItemScore], list[ItemScore] | None]:
        """This process's outcome and thinking scores: those already asked for (overlap), else asked
        for now."""
        try:
            if batch is not None and batch.pending is not None:
                outcome_scores, thinking_scores = batch.pending.result()
            else:
                items = self._items(inputs, prompts, completions)
                scorer = (
                    self._score_both if self.trust_args.scoring == "overlap" else self._score_one_at_a_time
                )
                outcome_scores, thinking_scores = self._run(scorer(items))
        except Exception as error:
            # Every process must reach the gathers in _calculate_rewards, or the others wait there
            # until the collective times out; this batch's items fail instead (never 0) and training
            # goes on.
            logger.exception("scoring failed on process %d", self.accelerator.process_index)
            outcome_scores = _failed(len(completions), error)
            thinking_scores = _failed(len(completions), error) if self.thinking is not None else None
        return outcome_scores, thinking_scores

    def _score_rows(
        self,
        outcome_scores: list[ItemScore],
        thinking_scores: list[ItemScore] | None,
        completion_ids_list: list[list[int]],
    ) -> torch.Tensor:
        """One row per local item, to gather: R^o, R^t (NaN until scored), completion tokens, and the
        outcome status."""
        local = torch.tensor(
            [
                [
                    score.score,
                    math.nan,
                    float(len(ids)),
                    float(STATUSES.index(score.status if score.status in STATUSES else ItemStatus.ERROR)),
                ]
                for score, ids in zip(outcome_scores, completion_ids_list, strict=True)
            ],
            dtype=torch.float64,
            device=self.accelerator.device,
        )
        if thinking_scores is not None:
            local[:, 1] = torch.tensor([score.score for score in thinking_scores], dtype=torch.float64)
        return local

    def _reward_columns(self, outcome: torch.Tensor, result: TrustBatch) -> torch.Tensor:
        """TRL's `(N, funcs)`; it logs rewards/<func>/mean from these columns: the outcome, and the
        thinking reward as it enters R (gamma * alpha * anneal * R^t), NaN where the item is masked."""
        columns = [outcome]
        if self.thinking is not None:
            contribution = result.rewards - torch.nan_to_num(outcome, nan=0.0)
            columns.append(contribution)
        return torch.stack(columns, dim=1).to(device=self.accelerator.device, dtype=torch.float32)

    def _judge_as_released(
        self,
        outcome: torch.Tensor,
        inputs: list[dict[str, Any]],
        prompts: list[Any],
        completions: list[Any],
        size: int,
    ) -> torch.Tensor:
        """`sophia_release`: ask the judge only about what that mode scores; a group can span
        processes, so the mask is computed from the gathered outcomes."""
        everyone = gather(outcome.contiguous())
        asked = torch.cat([judged_mask(group, "sophia_release") for group in everyone.cpu().split(size)])
        start = self.accelerator.process_index * len(completions)
        mine = asked[start : start + len(completions)].tolist()
        thinking = torch.full((len(completions),), math.nan, dtype=torch.float64)
        items = self._items(inputs, prompts, completions)
        chosen = [item for item, ask in zip(items, mine, strict=True) if ask]
        if chosen and self.thinking is not None:
            try:
                answers = self._run(self._timed("thinking", chosen, self.thinking))
            except Exception as error:  # as in _local_scores: fail the items, keep in step
                logger.exception("the judge failed on process %d", self.accelerator.process_index)
                answers = _failed(len(chosen), error)
            scored = iter(answers)
            for index, ask in enumerate(mine):
                if ask:
                    thinking[index] = next(scored).score
        return thinking.to(outcome.device)

    # ------------------------------------------------------------------ metrics

    def _record(self, mode: str, result: Any, gathered: torch.Tensor, step: int, total: int) -> None:
        """Trust-GRPO's numbers to TRL's logs and to Prometheus (main process only)."""
        groups = len(result.gammas) + result.dropped_groups
        gammas = result.gammas
        logs = self._metrics[mode]
        if gammas:
            logs["trust/gamma_mean"].append(sum(gammas) / len(gammas))
            logs["trust/gamma_below_1_share"].append(sum(gamma < 1 for gamma in gammas) / len(gammas))
        for key, value in (
            ("trust/outcome_reward_mean", result.outcome_mean),
            ("trust/thinking_reward_correct", result.thinking_correct_mean),
            ("trust/thinking_reward_wrong", result.thinking_wrong_mean),
        ):
            if not math.isnan(value):
                logs[key].append(value)
        logs["trust/dropped_groups"].append(float(result.dropped_groups))
        logs["trust/masked_items"].append(float(result.masked_items))
        statuses = gathered[:, 3].cpu().long()
        masked = {status: int((statuses == code).sum()) for code, status in enumerate(STATUSES) if code}
        for status, count in masked.items():
            logs[f"trust/masked_items/outcome_{status}"].append(float(count))
        logs["trust/anneal"].append(math.exp(-step / (self.trust_args.anneal_T or total)))
        if mode == "train":
            self._step_totals.batches += 1
            self._step_totals.usable_groups += groups - result.dropped_groups
            self._step_totals.completion_tokens += int(gathered[:, 2].sum())
        if not self.accelerator.is_main_process:
            return
        metrics = self.trust_metrics
        for gamma in gammas:
            metrics.gamma.observe(gamma)
        for status, count in masked.items():
            if count:
                metrics.masked_items.labels(reason=f"outcome_{status}").inc(count)
        if result.dropped_groups:
            metrics.dropped_groups.inc(result.dropped_groups)
        if not math.isnan(result.outcome_mean):
            metrics.outcome_reward_mean.set(result.outcome_mean)
        for label, value in (
            ("correct", result.thinking_correct_mean),
            ("wrong", result.thinking_wrong_mean),
        ):
            if not math.isnan(value):
                metrics.thinking_reward_mean.labels(set=label).set(value)

    def close(self) -> None:
        """Close the services' connection pools (they reopen on next use)."""
        if getattr(self, "async_loop", None) is None:
            return
        for reward in (self.outcome, self.thinking):
            if reward is not None:
                self._run(reward.aclose())


class _TrustCallback(TrainerCallback):
    """Per-step timing, the reward-wait share, the failure guard and the metrics endpoint."""

    def __init__(self, trainer: TrustGRPOTrainer) -> None:
        self.trainer = trainer

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        trainer = self.trainer
        config = trainer.trust_args
        if config.metrics_port is not None and trainer.metrics_port is None and state.is_world_process_zero:
            trainer.metrics_port = trainer.trust_metrics.serve(config.metrics_port, config.metrics_host)
            logger.info("trainer metrics on http://%s:%d/metrics", config.metrics_host, trainer.metrics_port)

    def on_step_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.trainer._step_totals = _StepTotals()

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        trainer, totals = self.trainer, self.trainer._step_totals
        elapsed = time.perf_counter() - totals.started
        logs = trainer._metrics["train"]
        fraction = totals.reward_wait_s / elapsed if elapsed > 0 else 0.0
        logs["trust/reward_wait_seconds"].append(totals.reward_wait_s)
        logs["trust/reward_wait_fraction"].append(fraction)
        logs["trust/step_seconds"].append(elapsed)
        if trainer.accelerator.is_main_process:
            metrics = trainer.trust_metrics
            metrics.step.set(state.global_step)
            metrics.step_duration_seconds.observe(elapsed)
            metrics.reward_wait_seconds.observe(totals.reward_wait_s)
            metrics.reward_wait_fraction.set(fraction)
            if totals.batches and elapsed > 0:
                metrics.tokens_per_second.set(totals.completion_tokens / elapsed)
        if totals.batches == 0:  # no generation in this step (steps_per_generation > 1)
            return
        trainer.failed_steps = 0 if totals.usable_groups else trainer.failed_steps + 1
        limit = trainer.trust_args.max_consecutive_failed_steps
        if trainer.failed_steps >= limit:
            trainer.stop_reason = (
                f"stopped at step {state.global_step}: {trainer.failed_steps} steps in a row had no group "
                f"with {trainer.trust_args.min_valid_per_group}+ scored responses (are the reward services "
                f"up? outcome: {trainer.trust_args.outcome_url}). A checkpoint was written to "
                f"{args.output_dir}; continue with --resume."
            )
            logger.error(trainer.stop_reason)
            control.should_save = True
            control.should_training_stop = True

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.trainer.close()


def _failed(count: int, error: Exception) -> list[ItemScore]:
    reason = f"error: {type(error).__name__}: {error}"[:300]
    return [
        ItemScore(id=f"failed-{index}", score=math.nan, status=ItemStatus.ERROR, reason=reason)
        for index in range(count)
    ]


def _trust_config(args: GRPOConfig | None, model: Any) -> TrustGRPOConfig:
    if isinstance(args, TrustGRPOConfig):
        return args
    if args is None:
        name = model if isinstance(model, str) else type(model).__name__
        return TrustGRPOConfig(output_dir=f"{str(name).split('/')[-1]}-TrustGRPO")
    # A plain GRPOConfig: keep every TRL setting, add ours with their defaults. Its __post_init__
    # derived generation_batch_size from steps_per_generation; passing both again is refused.
    values = {item.name: getattr(args, item.name) for item in fields(GRPOConfig) if item.init}
    values["generation_batch_size"] = None
    return TrustGRPOConfig(**values)
