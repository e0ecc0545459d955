"""The SophiaVL-R1 ablation in miniature (docs/ablation.md): does Trust-GRPO resist a farmable judge?

    python -m benchmarks.ablation                  # 6 arms x 3 seeds on the toy task, tens of minutes
    python -m benchmarks.ablation --smoke          # 2 steps, 1 seed, 16 held-out problems (CI)

Every arm trains the same tiny policy (`models/tiny-policy`, built on first use) through
`TrustGRPOTrainer` on the toy task with `services/trainer/configs/toy.yaml`, the same seeds and
the same budget (`--steps`); only the reward differs:

| arm | thinking judge | trust |
|---|---|---|
| `outcome_only` | none | plain GRPO on the verifier |
| `naive/honest`, `naive/farmable` | rules `honest` / `farmable` | gamma fixed at 1 (`naive_sum`) |
| `trust/honest`, `trust/farmable` | rules `honest` / `farmable` | Trust-GRPO (`paper`) |
| `release/farmable` | rules `farmable` | Trust-GRPO, the release mask (`sophia_release`) |

(Outcome-only needs no judge, so it is one arm for both judge columns.) A run with `--arms`
replaces those arms' rows in results.json and keeps the others. The three services run on
127.0.0.1: the outcome verifier and the `rules` judge in both profiles. After training, each arm's
greedy held-out answers are graded by the verifier and scored by both judges, so every arm is seen
through the same honest yardstick. Results: `runs/ablation/results.json` (one row per run),
`runs/ablation/report.md` (the table, mean and spread over seeds) and `runs/ablation/*.png`.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from tiny_models.policy import build_tiny_policy
from trust_grpo.cli import parse_train_args
from trust_grpo.rewards import CORRECT_THRESHOLD
from trust_grpo.run import run_training

from tests.servers import RunningServer, start_server

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "services" / "trainer" / "configs" / "toy.yaml"
JUDGES = ("honest", "farmable")
console = Console()
app = typer.Typer(add_completion=False)


@dataclass(frozen=True)
class Arm:
    """One way of rewarding: which judge (None: outcome only) and how far it is trusted."""

    name: str
    judge: str | None
    trust_mode: str


ARMS = (
    Arm("outcome_only", None, "paper"),
    Arm("naive/honest", "honest", "naive_sum"),
    Arm("trust/honest", "honest", "paper"),
    Arm("naive/farmable", "farmable", "naive_sum"),
    Arm("trust/farmable", "farmable", "paper"),
    Arm("release/farmable", "farmable", "sophia_release"),
)


@dataclass(frozen=True)
class RunResult:
    """What one (arm, seed) run measured; `held_out_*` are greedy answers after training."""

    arm: str
    seed: int
    steps: int
    wall_s: float
    accuracy_before: float
    accuracy_after: float
    guess_rate_before: float
    guess_rate_after: float
    response_tokens_after: float
    honest_thinking_correct: float
    honest_thinking_wrong: float
    farmable_thinking_correct: float
    farmable_thinking_wrong: float
    train_thinking_correct: float
    train_thinking_wrong: float
    gamma_mean: float
    gamma_below_1_share: float


# ------------------------------------------------------------------------------------------ runs


@contextmanager
def services(work: Path) -> Iterator[dict[str, RunningServer]]:
    """The outcome verifier and the rules judge in both profiles, on 127.0.0.1."""
    with ExitStack() as stack:
        started = {"outcome": start_server(work, "--scorer", "outcome")}
        stack.callback(started["outcome"].stop)
        for profile in JUDGES:
            started[profile] = start_server(
                work, "--scorer", "thinking", "--backend", "rules", "--rules-profile", profile
            )
            stack.callback(started[profile].stop)
        yield started


def _mean(values: Sequence[float]) -> float:
    kept = [value for value in values if value is not None and not math.isnan(value)]
    return statistics.fmean(kept) if kept else math.nan


def _judge_means(server: RunningServer, records: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """Mean thinking score of the correct and of the wrong held-out answers under one judge."""
    items = [
        {"id": str(index), "question": record["question"], "response": record["response"]}
        for index, record in enumerate(records)
    ]
    scores: dict[str, float] = {}
    for start in range(0, len(items), 256):
        for result in server.score(items[start : start + 256])["results"]:
            if result["status"] == "ok":
                scores[result["id"]] = result["score"]
    correct: list[float] = []
    wrong: list[float] = []
    for index, record in enumerate(records):
        if record["score"] is None or str(index) not in scores:
            continue
        (correct if record["score"] >= CORRECT_THRESHOLD else wrong).append(scores[str(index)])
    return _mean(correct), _mean(wrong)


def run_arm(
    arm: Arm,
    seed: int,
    *,
    policy: Path,
    out: Path,
    servers: dict[str, RunningServer],
    overrides: Sequence[str],
) -> RunResult:
    """Train one arm with one seed; returns what it measured (also in `out/<arm>/seed<k>/`)."""
    run_dir = out / arm.name.replace("/", "-") / f"seed{seed}"
    # An empty URL list is no thinking service (toy.yaml names one).
    thinking = ["--thinking_url", servers[arm.judge].url if arm.judge else ""]
    run, config = parse_train_args(
        [
            "--config", str(TOY), "--policy", str(policy), "--output_dir", str(run_dir),
            "--seed", str(seed), "--outcome_url", servers["outcome"].url, *thinking,
            "--trust_mode", arm.trust_mode, "--save_strategy", "no", *overrides,
        ]
    )  # fmt: skip
    started = time.monotonic()
    summary = run_training(run, config, show_progress=True)
    wall_s = time.monotonic() - started
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    trained = [record for record in records if "loss" in record]
    held_out = [json.loads(line) for line in (run_dir / "held_out_after.jsonl").read_text().splitlines()]
    honest = _judge_means(servers["honest"], held_out)
    farmable = _judge_means(servers["farmable"], held_out)
    return RunResult(
        arm=arm.name,
        seed=seed,
        steps=int(summary["steps"]),
        wall_s=wall_s,
        accuracy_before=summary["accuracy_before"],
        accuracy_after=summary["accuracy_after"],
        guess_rate_before=summary["guess_rate_before"],
        guess_rate_after=summary["guess_rate_after"],
        response_tokens_after=_mean([record["tokens"] for record in held_out]),
        honest_thinking_correct=honest[0],
        honest_thinking_wrong=honest[1],
        farmable_thinking_correct=farmable[0],
        farmable_thinking_wrong=farmable[1],
        train_thinking_correct=_mean([r.get("trust/thinking_reward_correct", math.nan) for r in trained]),
        train_thinking_wrong=_mean([r.get("trust/thinking_reward_wrong", math.nan) for r in trained]),
        gamma_mean=_mean([r.get("trust/gamma_mean", math.nan) for r in trained]) if arm.judge else math.nan,
        gamma_below_1_share=(
            _mean([r.get("trust/gamma_below_1_share", math.nan) for r in trained]) if arm.judge else math.nan
        ),
    )


# ------------------------------------------------------------------------------------------ report

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("accuracy_after", "held-out accuracy", ".1%"),
    ("guess_rate_after", "guess rate", ".1%"),
    ("response_tokens_after", "response tokens", ".1f"),
    ("honest_thinking_correct", "honest judge: correct", ".2f"),
    ("honest_thinking_wrong", "honest judge: wrong", ".2f"),
    ("train_thinking_correct", "own judge in training: correct", ".2f"),
    ("train_thinking_wrong", "own judge in training: wrong", ".2f"),
    ("gamma_mean", "gamma (mean)", ".3f"),
    ("gamma_below_1_share", "groups with gamma < 1", ".1%"),
)


def _spread(values: Sequence[float], form: str) -> str:
    kept = [value for value in values if not math.isnan(value)]
    if not kept:
        return "n/a"
    mean = statistics.fmean(kept)
    if len(kept) < 2:
        return format(mean, form)
    return f"{format(mean, form)} ± {format(statistics.stdev(kept), form)}"


def report_table(results: Sequence[RunResult]) -> str:
    """Markdown: one row per arm, each cell mean ± standard deviation over seeds."""
    arms = list(dict.fromkeys(result.arm for result in results))
    lines = [
        "| arm | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for arm in arms:
        rows = [asdict(result) for result in results if result.arm == arm]
        cells = [_spread([row[key] for row in rows], form) for key, _, form in COLUMNS]
        lines.append(f"| `{arm}` | " + " | ".join(cells) + " |")
    if results:
        # Every arm starts from the same policy; each seed draws its own held-out problems.
        first = {result.seed: result for result in reversed(results)}.values()
        accuracy = _spread([result.accuracy_before for result in first], ".1%")
        guesses = _spread([result.guess_rate_before for result in first], ".1%")
        lines += ["", f"Before training (the same policy for every arm): held-out accuracy {accuracy}, "
                  f"guess rate {guesses}."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _logged_mean(out: Path, arm: str, seed: int, key: str) -> float:
    """The mean of one logged training metric over a run's steps (NaN when the run is not there)."""
    log = out / arm.replace("/", "-") / f"seed{seed}" / "metrics.jsonl"
    if not log.exists():
        return math.nan
    records = [json.loads(line) for line in log.read_text().splitlines()]
    return _mean([record[key] for record in records if key in record])


def _curves(
    out: Path, arm: Arm, seeds: Sequence[int], key: str
) -> tuple[list[int], list[float], list[float], list[float]]:
    """Mean, lowest and highest over seeds of one logged metric, step by step."""
    by_step: dict[int, list[float]] = {}
    for seed in seeds:
        log = out / arm.name.replace("/", "-") / f"seed{seed}" / "metrics.jsonl"
        if not log.exists():
            continue
        for line in log.read_text().splitlines():
            record = json.loads(line)
            value = record.get(key)
            if "loss" in record and isinstance(value, int | float) and not math.isnan(value):
                by_step.setdefault(int(record["step"]), []).append(float(value))
    steps = sorted(by_step)
    return (
        steps,
        [statistics.fmean(by_step[step]) for step in steps],
        [min(by_step[step]) for step in steps],
        [max(by_step[step]) for step in steps],
    )


def plot(out: Path, results: Sequence[RunResult], arms: Sequence[Arm], seeds: Sequence[int]) -> list[Path]:
    """`accuracy.png` (held-out accuracy and guess rate per arm) and `training.png` (trace length,
    thinking reward of correct and wrong answers, gamma over training)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [arm.name for arm in arms]
    figure, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    for axis, key, title in (
        (axes[0], "accuracy_after", "held-out accuracy (greedy, verifier)"),
        (axes[1], "guess_rate_after", "answers without a valid derivation"),
        (axes[2], "response_tokens_after", "held-out response tokens"),
    ):
        means, spreads = [], []
        for name in names:
            values = [getattr(result, key) for result in results if result.arm == name]
            values = [value for value in values if not math.isnan(value)]
            means.append(statistics.fmean(values) if values else math.nan)
            spreads.append(statistics.stdev(values) if len(values) > 1 else 0.0)
        colors = [f"C{ARMS.index(arm)}" for arm in arms]
        axis.bar(range(len(names)), means, yerr=spreads, capsize=4, color=colors, alpha=0.8)
        axis.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        axis.set_title(title, fontsize=10)
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(f"After training: mean and standard deviation over seeds {list(seeds)}")
    paths = [out / "accuracy.png"]
    figure.savefig(paths[0], dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    panels = (
        (axes[0, 0], "completions/mean_length", "response tokens (training rollouts)", arms),
        (axes[0, 1], "trust/gamma_mean", "gamma (mean over groups)", [a for a in arms if a.judge]),
        (
            axes[1, 0],
            "trust/thinking_reward_correct",
            "own judge: correct answers",
            [a for a in arms if a.judge],
        ),
        (axes[1, 1], "trust/thinking_reward_wrong", "own judge: wrong answers", [a for a in arms if a.judge]),
    )
    for axis, key, title, shown in panels:
        for arm in shown:
            steps, means, lowest, highest = _curves(out, arm, seeds, key)
            if steps:
                color = f"C{ARMS.index(arm)}"  # one colour per arm in every panel
                axis.plot(steps, means, label=arm.name, color=color)
                axis.fill_between(steps, lowest, highest, color=color, alpha=0.12)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        if axis.lines:
            axis.legend(fontsize=8)
    figure.suptitle("During training: mean over seeds, shaded from the lowest to the highest seed")
    paths.append(out / "training.png")
    figure.savefig(paths[1], dpi=100)
    plt.close(figure)
    return paths


def _print(results: Sequence[RunResult]) -> None:
    table = Table(title="Ablation: mean ± std over seeds")
    table.add_column("arm")
    for _, title, _ in COLUMNS:
        table.add_column(title, justify="right")
    for arm in dict.fromkeys(result.arm for result in results):
        rows = [asdict(result) for result in results if result.arm == arm]
        table.add_row(arm, *[_spread([row[key] for row in rows], form) for key, _, form in COLUMNS])
    console.print(table)


# ------------------------------------------------------------------------------------------ CLI


@app.command()
def main(
    seeds: Annotated[str, typer.Option(help="Comma-separated seeds; every arm runs each.")] = "0,1,2",
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps per run (the same for every arm).")] = 60,
    arms: Annotated[str, typer.Option(help="Comma-separated arm names (default: all six).")] = "",
    policy: Annotated[
        Path, typer.Option(help="Tiny policy (built with the demo's defaults when missing).")
    ] = ROOT / "models" / "tiny-policy",
    out: Annotated[Path, typer.Option(help="Output directory.")] = ROOT / "runs" / "ablation",
    eval_problems: Annotated[int, typer.Option(min=1, help="Held-out problems per run.")] = 200,
    smoke: Annotated[
        bool, typer.Option(help="2 steps, the first seed, 16 held-out problems, 4 prompts per step.")
    ] = False,
    report_only: Annotated[
        bool, typer.Option(help="Train nothing: redraw report.md's table and the plots from results.json.")
    ] = False,
) -> None:
    """Train every arm with every seed, then write results.json, report.md and the plots."""
    seed_list, chosen = _selection(seeds, arms)
    if report_only:
        _redraw(out)
        return
    overrides = ["--max_steps", str(steps), "--eval_problems", str(eval_problems)]
    if smoke:
        seed_list = seed_list[:1]
        overrides = ["--max_steps", "2", "--eval_problems", "16", "--per_device_train_batch_size", "32"]
    if not (policy / "config.json").exists():
        with console.status(f"building the tiny policy at {policy} (about 3 minutes)"):
            build_tiny_policy(policy)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    kept = _other_arms_results(out, chosen) if arms else []
    results = _train(chosen, seed_list, policy=policy, out=out, overrides=overrides, kept=kept)
    header = _run_header(seed_list, 2 if smoke else steps, smoke, len(results), time.monotonic() - started)
    shown = [arm for arm in ARMS if any(result.arm == arm.name for result in results)]
    if kept:
        header = _first_paragraph(out / "report.md") + " Then " + header
    _write_report(out, header, results, shown, seed_list)


def _selection(seeds: str, arms: str) -> tuple[list[int], list[Arm]]:
    """The seeds and the arms (all when none is named) that `--seeds` and `--arms` ask for."""
    seed_list = [int(seed) for seed in seeds.split(",") if seed.strip()]
    chosen = [arm for arm in ARMS if arm.name in arms.split(",")] if arms else list(ARMS)
    unknown = set(filter(None, arms.split(","))) - {arm.name for arm in ARMS}
    if unknown or not chosen or not seed_list:
        raise typer.BadParameter(f"unknown arms {sorted(unknown)}; known: {[arm.name for arm in ARMS]}")
    return seed_list, chosen


def _read_results(out: Path) -> list[RunResult]:
    return [RunResult(**row) for row in json.loads((out / "results.json").read_text())]


def _first_paragraph(report: Path) -> str:
    return report.read_text().split("\n\n", 1)[0]


def _redraw(out: Path) -> None:
    """`--report-only`: report.md (its header kept) and the plots again from results.json."""
    done = _read_results(out)
    header = _first_paragraph(out / "report.md") + "\n\n"
    ran = {result.arm for result in done}
    seeds_run = sorted({result.seed for result in done})
    _write_report(out, header, done, [arm for arm in ARMS if arm.name in ran], seeds_run)


def _other_arms_results(out: Path, chosen: Sequence[Arm]) -> list[RunResult]:
    """The results.json rows of the arms this run does not train (none without results.json)."""
    if not (out / "results.json").exists():
        return []
    names = {arm.name for arm in chosen}
    return [result for result in _read_results(out) if result.arm not in names]


def _train(
    chosen: Sequence[Arm],
    seed_list: Sequence[int],
    *,
    policy: Path,
    out: Path,
    overrides: Sequence[str],
    kept: Sequence[RunResult],
) -> list[RunResult]:
    """Every chosen arm with every seed, after `kept`; results.json is rewritten after each run."""
    results: list[RunResult] = list(kept)
    with tempfile.TemporaryDirectory() as work, services(Path(work)) as servers:
        for seed in seed_list:
            for arm in chosen:
                console.rule(f"{arm.name}, seed {seed}")
                results.append(
                    run_arm(arm, seed, policy=policy, out=out, servers=servers, overrides=overrides)
                )
                (out / "results.json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def _run_header(seed_list: Sequence[int], steps: int, smoke: bool, runs: int, wall_s: float) -> str:
    """report.md's first paragraph: the command, how many runs, how long, on what machine."""
    machine = f"{platform.machine()}, {_cpus()} CPU cores, {platform.python_version()}"
    return (
        f"`python -m benchmarks.ablation --seeds {','.join(map(str, seed_list))} --steps "
        f"{steps}`{' (smoke)' if smoke else ''}: {runs} runs in "
        f"{wall_s / 60:.1f} min on {machine}.\n\n"
    )


def _write_report(
    out: Path, header: str, results: Sequence[RunResult], arms: Sequence[Arm], seeds: Sequence[int]
) -> None:
    # An arm without a judge has no gamma (the trainer logs 1.0 for it).
    judged = {arm.name for arm in arms if arm.judge}
    results = [
        result if result.arm in judged else replace(result, gamma_mean=math.nan, gamma_below_1_share=math.nan)
        for result in results
    ]
    _print(results)
    paths = plot(out, results, arms, seeds)
    one_sided = _mean([_logged_mean(out, "outcome_only", seed, "frac_reward_zero_std") for seed in seeds])
    note = (
        f"\nIn `outcome_only`, {one_sided:.0%} of the training groups were all right or all wrong "
        "(TRL's `frac_reward_zero_std`): there the outcome gives no signal, and Trust-GRPO's gamma "
        "is 1 by definition.\n"
        if not math.isnan(one_sided)
        else ""
    )
    (out / "report.md").write_text(header + report_table(results) + note)
    console.print(f"wrote {out / 'results.json'}, {out / 'report.md'}, " + ", ".join(map(str, paths)))


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    app()
