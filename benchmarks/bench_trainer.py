"""Trainer benchmarks (docs/architecture.md, Measurement): `TrustGRPOTrainer` on the toy task,
real TRL steps on CPU.

    python -m benchmarks.bench_trainer scoring --markdown    # overlap vs the released client, 50 ms/request
    python -m benchmarks.bench_trainer overhead --markdown   # vs plain GRPOTrainer, in-process rewards
    tiny-models policy --out /tmp/bench-policy --warmup-steps 150       # then --policy /tmp/bench-policy

Every run trains the toy task's tiny policy (`build_tiny_policy(warmup_steps=150)`, or `--policy`):
8 groups x 8 responses per step (`per_device_train_batch_size` 64, `num_generations` 8), up to 40
new tokens, temperature 0.7, learning rate 5e-4, beta 0.04, seed 0, on CPU in float32. Step 1 of
each run is a warm-up and not counted. Both services run on 127.0.0.1 (outcome verifier; thinking
with the `rules` judge) with their result caches off.

`scoring`: each `/score` request waits `--added-latency-ms` first (`REWARD_SERVER_ADDED_LATENCY_MS`).
`overlap` sends each generation batch to both services at once, while TRL's log-prob passes run;
`after_rollouts` is the released SophiaVL-R1 client: after everything else, one item per request,
one request in flight. The rollouts are the same in both (same seed, same scores).

`overhead`: no added latency. `TrustGRPOTrainer` against plain `trl.GRPOTrainer` whose two reward
functions run the services' own scoring code (`ScoringService`, no HTTP) in the trainer process and
return what `TrustGRPOTrainer` trains on: R^o, and gamma * alpha * exp(-step/T) * R^t, with
`reward_weights` [100, 100] so that TRL's std + 1e-4 normalisation equals Trust-GRPO's std + 1e-6
(the same advantages, so the same updates and rollouts). The runs alternate (T P P T T P P T ...);
that every run trains on the same rollouts, rewards and advantages is checked and printed.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import psutil
import torch
import typer
from reward_proto import ItemStatus, ScoreItem, ScoreRequest
from reward_server.config import ScorerKind, Settings
from reward_server.metrics import ServerMetrics
from reward_server.scorers.factory import build_service
from reward_server.service import ScoringService
from tiny_models.policy import build_tiny_policy
from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback
from transformers.utils import logging as hf_logging
from trl.trainer.grpo_config import GRPOConfig
from trl.trainer.grpo_trainer import GRPOTrainer
from trust_grpo.config import TrustGRPOConfig
from trust_grpo.data import as_dataset, training_items
from trust_grpo.remote import completion_text, score_items
from trust_grpo.rewards import trust_rewards
from trust_grpo.trainer import TrustGRPOTrainer

from benchmarks.report import console, note, show
from tests.servers import RunningServer, start_server
from tests.trainer.trust_cases import CPU_RUN

app = typer.Typer(add_completion=False)

GROUPS, GROUP_SIZE = 8, 8
ALPHA = 0.3
NO_CACHE = {"REWARD_SERVER_CACHE_ENTRIES": "0"}
TRL_STD_EPS, TRUST_STD_EPS = 1e-4, 1e-6  # GRPOTrainer's and rewards.group_advantages' epsilon


# ---------------------------------------------------------------------------------- one run


@dataclass
class Step:
    """One optimizer step as the benchmark saw it."""

    seconds: float  # wall time from on_step_begin to on_step_end (generation, scoring, loss, update)
    began: float  # time.monotonic(), to place the trainer's timeline intervals
    ended: float
    completions: list[str]
    rewards: list[float]  # per completion, summed over reward functions as TRL logs them
    advantages: list[float]
    cpu_s: float = 0.0  # CPU seconds of the trainer process (all its threads)
    service_cpu_s: float = 0.0  # CPU seconds of the service processes and their workers
    log: dict[str, Any] = field(default_factory=dict)  # this step's record in state.log_history


class StepRecorder(TrainerCallback):
    """Wall time per step and what the step trained on (TRL keeps the newest batch in `_logs`)."""

    def __init__(self, trainer: Any, servers: Sequence[RunningServer] = ()) -> None:
        self.trainer = trainer
        self.servers = servers
        self.steps: list[Step] = []
        self._began = (0.0, 0.0, 0.0, 0.0)

    def _service_cpu(self) -> float:
        total = 0.0
        for server in self.servers:
            for process in [psutil.Process(server.process.pid), *server.descendants()]:
                try:
                    times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += times.user + times.system
        return total

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._began = (time.perf_counter(), time.monotonic(), time.process_time(), self._service_cpu())

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        seconds = time.perf_counter() - self._began[0]
        cpu_s, service_cpu_s = time.process_time() - self._began[2], self._service_cpu() - self._began[3]
        logs = self.trainer._logs
        columns = [list(values) for values in logs["rewards"].values()]
        rewards = [math.fsum(v for v in row if not math.isnan(v)) for row in zip(*columns, strict=True)]
        self.steps.append(
            Step(
                seconds=seconds,
                began=self._began[1],
                ended=time.monotonic(),
                completions=[completion_text(c) for c in logs["completion"]],
                rewards=rewards,
                advantages=self._advantages(),
                cpu_s=cpu_s,
                service_cpu_s=service_cpu_s,
            )
        )

    def _advantages(self) -> list[float]:
        """What the step trained on: TrustGRPOTrainer's own advantages replace TRL's (which TRL
        still logs in `_logs`); plain GRPOTrainer trains on TRL's."""
        trust = getattr(self.trainer, "last_trust_batch", None)
        if trust is not None:
            return [float(a) for a in trust.advantages]
        return [float(a) for a in self.trainer._logs["advantages"]]


def train(trainer: Any, servers: Sequence[RunningServer] = ()) -> list[Step]:
    """Train, and return every step (the warm-up included) with its log record."""
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    recorder = StepRecorder(trainer, servers)
    trainer.add_callback(recorder)
    trainer.train()
    records = {r["step"]: r for r in trainer.state.log_history if "reward" in r and "train_runtime" not in r}
    for number, step in enumerate(recorder.steps, start=1):
        step.log = records.get(number, {})
    return recorder.steps


def config_values(output_dir: Path, steps: int, seed: int) -> dict[str, Any]:
    """The toy configuration's learning settings (configs/toy.yaml) at 8 groups x 8, no checkpoints."""
    return {
        "output_dir": str(output_dir),
        "max_steps": steps,
        "per_device_train_batch_size": GROUPS * GROUP_SIZE,
        "num_generations": GROUP_SIZE,
        "max_completion_length": 40,
        "temperature": 0.7,
        "learning_rate": 5e-4,
        "lr_scheduler_type": "constant",
        "beta": 0.04,
        "epsilon": 0.2,
        **CPU_RUN,
        "seed": seed,
    }


def dataset(steps: int, seed: int) -> Any:
    return as_dataset(training_items("toy", max(256, steps * GROUPS * 4), seed=seed))


def trust_trainer(
    policy: Path, root: Path, steps: int, seed: int, outcome: str, thinking: str, scoring: str
) -> TrustGRPOTrainer:
    config = TrustGRPOConfig(
        **config_values(root / f"run-{scoring}", steps, seed),
        outcome_url=[outcome],
        thinking_url=[thinking],
        alpha=ALPHA,
        scoring=scoring,  # type: ignore[arg-type]
        reward_timeout_s=60,
    )
    return TrustGRPOTrainer(model=str(policy), args=config, train_dataset=dataset(steps, seed))


@contextmanager
def services(root: Path, env: dict[str, str]) -> Iterator[tuple[RunningServer, RunningServer]]:
    outcome = start_server(root, "--scorer", "outcome", env=env)
    try:
        thinking = start_server(root, "--scorer", "thinking", "--backend", "rules", env=env)
    except BaseException:
        outcome.stop()
        raise
    try:
        yield outcome, thinking
    finally:
        outcome.stop()
        thinking.stop()


def the_policy(policy: Path | None, root: Path) -> Path:
    if policy is not None:
        return policy
    with console.status("building the tiny policy (150 warm-up steps)"):
        return build_tiny_policy(root / "policy", warmup_steps=150)


# ---------------------------------------------------------------------------------- output


def mean(values: Sequence[float]) -> float:
    return statistics.mean(values) if values else math.nan


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


# ---------------------------------------------------------------------------------- scoring


def union(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def length(intervals: Sequence[tuple[float, float]]) -> float:
    return sum(end - start for start, end in intervals)


def intersection(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float:
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


@dataclass
class Where:
    """Where scoring time went in the counted steps, from `trainer.timeline`."""

    requests_per_step: float
    request_ms: float  # mean duration of one /score call, retries included
    in_flight_s: float  # per step: time at least one request was in flight
    hidden_s: float  # per step: of that, time a log-prob pass ran too
    logprobs_s: float  # per step: time in log-prob passes (reference, old policy, the loss's forward)


def where_time_went(timeline: Sequence[tuple[str, float, float]], steps: Sequence[Step]) -> Where:
    requests, in_flight, hidden, logprobs = [], [], [], []
    for step in steps:
        inside = [(what, s, e) for what, s, e in timeline if s >= step.began and e <= step.ended]
        scoring = [(s, e) for what, s, e in inside if what in ("outcome", "thinking")]
        passes = union([(s, e) for what, s, e in inside if what == "logprobs"])
        requests += [e - s for s, e in scoring]
        flight = union(scoring)
        in_flight.append(length(flight))
        hidden.append(intersection(flight, passes))
        logprobs.append(length(passes))
    return Where(
        requests_per_step=len(requests) / max(1, len(steps)),
        request_ms=1000 * mean(requests),
        in_flight_s=mean(in_flight),
        hidden_s=mean(hidden),
        logprobs_s=mean(logprobs),
    )


# The options both commands take.
StepsOption = Annotated[int, typer.Option(help="Steps per run (the first is not counted).")]
PolicyOption = Annotated[Path | None, typer.Option(help="Policy (default: build the tiny one).")]
SeedOption = Annotated[int, typer.Option(help="Training seed.")]
MarkdownOption = Annotated[bool, typer.Option(help="Print Markdown instead of a terminal table.")]


@app.command()
def scoring(
    steps: StepsOption = 11,
    added_latency_ms: Annotated[float, typer.Option(help="Added latency per /score request.")] = 50.0,
    policy: PolicyOption = None,
    seed: SeedOption = 0,
    markdown: MarkdownOption = False,
) -> None:
    """Overlapped scoring against the released client (targets: wait under 5%, step 1.5x shorter)."""
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    runs: dict[str, tuple[list[Step], Where]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = the_policy(policy, root)
        env = {**NO_CACHE, "REWARD_SERVER_ADDED_LATENCY_MS": str(added_latency_ms)}
        with services(root, env) as (outcome, thinking):
            for mode in ("overlap", "after_rollouts"):
                runs[mode] = scoring_run(model, root, steps, seed, (outcome, thinking), mode)
    title = (
        f"Trainer step, {GROUPS} groups x {GROUP_SIZE}, {added_latency_ms:g} ms added per /score request, "
        f"{steps - 1} steps each"
    )
    show_scoring(title, runs, markdown)


def scoring_run(
    model: Path, root: Path, steps: int, seed: int, servers: tuple[RunningServer, RunningServer], mode: str
) -> tuple[list[Step], Where]:
    """One run with `mode` scoring: its counted steps, and where their scoring time went."""
    outcome, thinking = servers
    with console.status(f"{mode}: {steps} steps"):
        trainer = trust_trainer(model, root, steps, seed, outcome.url, thinking.url, mode)
        recorded = train(trainer)
    counted = recorded[1:]
    timeline = list(trainer.timeline)
    covered = counted
    if trainer.timeline.maxlen and len(timeline) >= trainer.timeline.maxlen:  # oldest fell off
        covered = [step for step in counted if step.began >= timeline[0][1]]
    return counted, where_time_went(timeline, covered)


def show_scoring(title: str, runs: dict[str, tuple[list[Step], Where]], markdown: bool) -> None:
    base = mean([s.seconds for s in runs["after_rollouts"][0]])
    headers = (
        "scoring",
        "step (s)",
        "TRL step_time (s)",
        "reward wait (ms)",
        "trainer_reward_wait_fraction",
        "requests/step",
        "request (ms)",
        "in flight (s)",
        "in flight during log-prob passes (s)",
        "speed-up",
    )
    lines = []
    for mode, (counted, where) in runs.items():
        step_time = mean([s.seconds for s in counted])
        lines.append(
            (
                mode,
                f"{step_time:.2f}",
                f"{mean([s.log.get('step_time', math.nan) for s in counted]):.2f}",
                f"{1000 * mean([s.log.get('trust/reward_wait_seconds', math.nan) for s in counted]):.1f}",
                f"{mean([s.log.get('trust/reward_wait_fraction', math.nan) for s in counted]):.2%}",
                f"{where.requests_per_step:.0f}",
                f"{where.request_ms:.0f}",
                f"{where.in_flight_s:.2f}",
                f"{where.hidden_s:.2f}",
                f"{base / step_time:.2f}x",
            )
        )
    show(title, headers, lines, markdown)
    overlap, released = runs["overlap"][0], runs["after_rollouts"][0]
    same = sum(a.completions == b.completions for a, b in zip(overlap, released, strict=True))
    note(f"same rollouts in both runs: {same}/{len(overlap)} counted steps", markdown)
    where = runs["overlap"][1]
    note(
        f"overlap: log-prob passes (reference, and the loss's forward) take {where.logprobs_s:.2f} s of a "
        f"step; the requests are in flight {where.in_flight_s:.2f} s, {where.hidden_s:.2f} s of it while a "
        "pass runs",
        markdown,
    )


# ---------------------------------------------------------------------------------- overhead


class InProcessRewards:
    """The services' scoring code (`ScoringService` with the outcome verifier and the rules judge,
    result caches off, no HTTP) as two async TRL reward functions, `outcome` and `thinking`.

    They return what `TrustGRPOTrainer` trains on: R^o, and the thinking reward as it enters R
    (gamma * alpha * exp(-step/T) * R^t, gamma per group), so TRL's summed reward is Trust-GRPO's R.
    Both services are asked at once per batch, as the trainer asks them.
    """

    def __init__(self, alpha: float = ALPHA, group_size: int = GROUP_SIZE) -> None:
        self.alpha = alpha
        self.group_size = group_size
        self.services: dict[str, ScoringService[Any]] = {}
        self.statuses: Counter[str] = Counter()
        self.scoring_s = 0.0  # wall time of the in-process scoring, all batches
        self.batches = 0
        self._pending: tuple[Any, asyncio.Future[tuple[torch.Tensor, torch.Tensor]]] | None = None

    async def _service(self, scorer: ScorerKind) -> ScoringService[Any]:
        if scorer not in self.services:
            settings = Settings(scorer=scorer, backend="rules", cache_entries=0)
            metrics = ServerMetrics(scorer)
            service = build_service(settings, metrics)
            await service.start()
            self.services[scorer] = service
        return self.services[scorer]

    async def _score(
        self, prompts: Sequence[Any], completions: Sequence[Any], columns: dict[str, Any]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        outcome, thinking = await asyncio.gather(self._service("outcome"), self._service("thinking"))
        started = time.perf_counter()  # after the first batch's start of the services
        ids = [f"i{index}" for index in range(len(completions))]
        groups = [f"g{index // self.group_size}" for index in range(len(completions))]
        items = score_items(ids, groups, prompts, completions, columns)
        sendable = [item for item in items if isinstance(item, ScoreItem)]
        answers = await asyncio.gather(
            outcome.score(ScoreRequest(items=sendable)), thinking.score(ScoreRequest(items=sendable))
        )
        tensors = []
        for answer in answers:
            by_id = {result.id: result for result in answer.results}
            values = []
            for item in items:
                result = by_id.get(item.id)
                self.statuses[result.status if result is not None else ItemStatus.INVALID] += 1
                if result is not None and result.status is ItemStatus.OK and result.score is not None:
                    values.append(float(result.score))
                else:  # not scored: NaN, as RemoteReward gives TRL
                    values.append(math.nan)
            tensors.append(torch.tensor(values, dtype=torch.float64))
        self.scoring_s += time.perf_counter() - started
        self.batches += 1
        return tensors[0], tensors[1]

    async def _scores(
        self, prompts: Sequence[Any], completions: Sequence[Any], columns: dict[str, Any]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One scoring per batch, shared by the two reward functions (TRL runs them concurrently)."""
        if self._pending is None or self._pending[0] is not completions:
            self._pending = (completions, asyncio.ensure_future(self._score(prompts, completions, columns)))
        return await self._pending[1]

    async def outcome(self, prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[float]:
        outcome, _ = await self._scores(prompts, completions, kwargs)
        return outcome.tolist()

    async def thinking(self, prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[float]:
        outcome, thinking = await self._scores(prompts, completions, kwargs)
        state = kwargs["trainer_state"]
        step = int(state.global_step)
        total = max(int(state.max_steps or 0), step + 1)
        contribution = []
        for start in range(0, len(outcome), self.group_size):
            group = slice(start, start + self.group_size)
            rewards, _ = trust_rewards(
                outcome[group], thinking[group], step=step, total_steps=total, alpha=self.alpha
            )
            contribution += (rewards - torch.nan_to_num(outcome[group], nan=0.0)).tolist()
        return contribution

    async def aclose(self) -> None:
        for service in self.services.values():
            await service.close()
        self.services.clear()


def plain_trainer(policy: Path, root: Path, steps: int, seed: int, rewards: InProcessRewards) -> GRPOTrainer:
    """Plain TRL with the in-process rewards. TRL normalises a group's rewards by std + 1e-4,
    Trust-GRPO by std + 1e-6; both rewards weighted by 100 (TRL's `reward_weights`) make TRL's
    advantages Trust-GRPO's, so both trainers make the same updates and see the same rollouts."""
    weight = TRL_STD_EPS / TRUST_STD_EPS
    config = GRPOConfig(**config_values(root / "run-plain", steps, seed), reward_weights=[weight, weight])
    functions: list[Any] = [rewards.outcome, rewards.thinking]  # TRL awaits async reward functions
    return GRPOTrainer(
        model=str(policy),
        reward_funcs=functions,
        args=config,
        train_dataset=dataset(steps, seed),
    )


@app.command()
def overhead(
    steps: StepsOption = 11,
    rounds: Annotated[int, typer.Option(help="Runs of each trainer, alternating T P P T ... (pooled).")] = 4,
    policy: PolicyOption = None,
    seed: SeedOption = 0,
    markdown: MarkdownOption = False,
) -> None:
    """TrustGRPOTrainer against GRPOTrainer with the same scores in-process (target: at most 1.05x)."""
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    result = overhead_runs(policy, steps, rounds, seed)
    counted = {name: [step for run in recorded for step in run[1:]] for name, recorded in result.runs.items()}
    title = (
        f"Service overhead, {GROUPS} groups x {GROUP_SIZE}, no added latency, {rounds} runs x "
        f"{steps - 1} steps per trainer"
    )
    show_overhead(title, counted, markdown)
    note_same_rollouts(result.runs, markdown)
    note_overhead_details(result, counted, markdown)


@dataclass
class OverheadRuns:
    """Every run of `overhead` by trainer, and what the in-process rewards saw in the plain runs."""

    runs: dict[str, list[list[Step]]] = field(
        default_factory=lambda: {"TrustGRPOTrainer": [], "GRPOTrainer": []}
    )
    statuses: Counter[str] = field(default_factory=Counter)
    scoring_ms: list[float] = field(default_factory=list)  # in-process scoring per batch, per run


def run_order(rounds: int) -> list[str]:
    """T P P T T P P T ...: which trainer runs first alternates from round to round."""
    return [
        name
        for index in range(rounds)
        for name in (
            ("TrustGRPOTrainer", "GRPOTrainer") if index % 2 == 0 else ("GRPOTrainer", "TrustGRPOTrainer")
        )
    ]


def overhead_runs(policy: Path | None, steps: int, rounds: int, seed: int) -> OverheadRuns:
    result = OverheadRuns()
    order = run_order(rounds)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = the_policy(policy, root)
        with services(root, NO_CACHE) as (outcome, thinking):
            for number, name in enumerate(order, start=1):
                with console.status(f"run {number}/{len(order)}: {name}, {steps} steps"):
                    if name == "TrustGRPOTrainer":
                        trainer = trust_trainer(
                            model, root, steps, seed, outcome.url, thinking.url, "overlap"
                        )
                        result.runs[name].append(train(trainer, (outcome, thinking)))
                    else:
                        result.runs[name].append(
                            plain_run(model, root, steps, seed, (outcome, thinking), result)
                        )
    return result


def plain_run(
    model: Path, root: Path, steps: int, seed: int, servers: Sequence[RunningServer], result: OverheadRuns
) -> list[Step]:
    """One run of plain GRPOTrainer; its in-process rewards' statuses and scoring time go to `result`."""
    rewards = InProcessRewards()
    trainer = plain_trainer(model, root, steps, seed, rewards)
    try:
        recorded = train(trainer, servers)
    finally:
        asyncio.run_coroutine_threadsafe(rewards.aclose(), trainer.async_loop).result()
    result.statuses.update(rewards.statuses)
    result.scoring_ms.append(1000 * rewards.scoring_s / max(1, rewards.batches))
    return recorded


def show_overhead(title: str, counted: dict[str, list[Step]], markdown: bool) -> None:
    base = mean([s.seconds for s in counted["GRPOTrainer"]])
    base_median = median([s.seconds for s in counted["GRPOTrainer"]])
    headers = (
        "trainer",
        "steps counted",
        "step mean (s)",
        "step median (s)",
        "TRL step_time (s)",
        "reward wait (ms)",
        "trainer CPU (s)",
        "services CPU (s)",
        "ratio (mean)",
        "ratio (median)",
    )
    lines = []
    for name, chosen in counted.items():
        step_time, step_median = mean([s.seconds for s in chosen]), median([s.seconds for s in chosen])
        wait = mean([s.log.get("trust/reward_wait_seconds", math.nan) for s in chosen])
        lines.append(
            (
                name,
                str(len(chosen)),
                f"{step_time:.3f}",
                f"{step_median:.3f}",
                f"{mean([s.log.get('step_time', math.nan) for s in chosen]):.3f}",
                "-" if math.isnan(wait) else f"{1000 * wait:.1f}",
                f"{mean([s.cpu_s for s in chosen]):.2f}",
                f"{mean([s.service_cpu_s for s in chosen]):.2f}",
                f"{step_time / base:.3f}x",
                f"{step_median / base_median:.3f}x",
            )
        )
    show(title, headers, lines, markdown)


def note_same_rollouts(runs: dict[str, list[list[Step]]], markdown: bool) -> None:
    """Same seed, same scores, same advantages: every run must train on the same rollouts."""
    reference = runs["TrustGRPOTrainer"][0]
    compared = same = 0
    reward_diff = advantage_diff = 0.0
    first_different: list[str] = []
    for name, recorded in runs.items():
        for index, run in enumerate(recorded, start=1):
            if run is reference:
                continue
            differs = [
                n
                for n, (a, b) in enumerate(zip(run, reference, strict=True), 1)
                if a.completions != b.completions
            ]
            if differs:
                first_different.append(f"{name} run {index} from step {differs[0]}")
            for mine, theirs in zip(run, reference, strict=True):
                compared += 1
                if mine.completions == theirs.completions:
                    same += 1
                    reward_diff = max(reward_diff, _max_diff(mine.rewards, theirs.rewards))
                    advantage_diff = max(advantage_diff, _max_diff(mine.advantages, theirs.advantages))
    note(
        f"same rollouts as the first TrustGRPOTrainer run: {same}/{compared} steps of the other runs "
        f"(warm-up included{'; different: ' + ', '.join(first_different) if first_different else ''}); "
        f"on those, max |R difference| {reward_diff:.2e}, max |advantage difference| {advantage_diff:.2e}",
        markdown,
    )


def note_overhead_details(result: OverheadRuns, counted: dict[str, list[Step]], markdown: bool) -> None:
    """Per-run step times, mean R and completion lengths, and the in-process rewards' statuses."""
    per_run = {
        name: ", ".join(f"{mean([s.seconds for s in run[1:]]):.3f}" for run in recorded)
        for name, recorded in result.runs.items()
    }
    note(f"mean step (s) of each run: {per_run}", markdown)
    mean_r = {name: [round(_mean_r(s.log), 4) for s in recorded[0]] for name, recorded in result.runs.items()}
    note(
        f"mean R per step (TRL's rewards/outcome/mean + rewards/thinking/mean), first run: {mean_r}", markdown
    )
    lengths = {
        name: round(mean([s.log.get("completions/mean_length", math.nan) for s in chosen]), 2)
        for name, chosen in counted.items()
    }
    note(f"mean completion length (tokens), counted steps: {lengths}", markdown)
    note(
        f"in-process item statuses: {dict(result.statuses)}; in-process scoring per batch (ms), per run: "
        + ", ".join(f"{value:.1f}" for value in result.scoring_ms),
        markdown,
    )


def _mean_r(log: dict[str, Any]) -> float:
    return float(sum(log.get(f"rewards/{name}/mean", math.nan) for name in ("outcome", "thinking")))


def _max_diff(a: Sequence[float], b: Sequence[float]) -> float:
    if len(a) != len(b):
        return math.inf
    return max(
        (abs(x - y) for x, y in zip(a, b, strict=True) if not (math.isnan(x) and math.isnan(y))), default=0.0
    )


@app.callback()
def main() -> None:
    """Trainer benchmarks."""


if __name__ == "__main__":
    app()
