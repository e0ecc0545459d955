"""One training run as the CLI and the demo do it: data, held-out accuracy before and after,
`TrustGRPOTrainer.train`, and the artifacts (metrics.jsonl, rewards.png, summary.json, the held-out
responses in held_out_before.jsonl and held_out_after.jsonl).
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reward_proto.attention import (
    AttentionUnavailable,
    AttnImplementation,
    checkpoint_dtype,
    resolve_attn_implementation,
)
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_callback import PrinterCallback, ProgressCallback
from transformers.trainer_utils import get_last_checkpoint

from trust_grpo.config import TrustGRPOConfig
from trust_grpo.data import TaskItem, as_dataset, evaluation_items, training_items
from trust_grpo.evaluate import EvalResult, evaluate
from trust_grpo.plot import plot_run
from trust_grpo.progress import StepProgress
from trust_grpo.toy import has_valid_derivation
from trust_grpo.trainer import TrainingStopped, TrustGRPOTrainer

logger = logging.getLogger(__name__)
METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"


@dataclass
class RunArguments:
    """What a run trains on and how it is judged; the rest is `TrustGRPOConfig`."""

    policy: str = field(metadata={"help": "The policy: a Hugging Face causal LM path or hub id."})
    dataset: str = field(
        default="toy",
        metadata={
            "help": "`toy` (generated arithmetic problems) or a JSONL file with question, ground_truth "
            "and optional answer_type, images per line."
        },
    )
    toy_problems: int = field(default=4096, metadata={"help": "Training problems drawn for `toy`."})
    eval_dataset: str | None = field(
        default=None, metadata={"help": "JSONL of held-out problems (default for `toy`: its held-out split)."}
    )
    eval_problems: int = field(
        default=200, metadata={"help": "Held-out problems scored greedily before and after training."}
    )
    plot_every: int = field(default=5, metadata={"help": "Redraw rewards.png every N logged steps."})
    resume: bool = field(
        default=False, metadata={"help": "Continue from the newest checkpoint in output_dir."}
    )
    progress: bool = field(default=True, metadata={"help": "Show the progress bar (--no-progress: none)."})
    attn_implementation: AttnImplementation = field(
        default="auto",
        metadata={
            "help": "The policy's attention: `auto` is `flash_attention_2` when flash-attn imports, the "
            "policy trains on a GPU and computes in float16/bfloat16 (mixed precision, `bf16`/`fp16`, or "
            "`model_init_kwargs: {dtype: bfloat16}`), else `sdpa`; `flash_attention_2` where it cannot "
            "run is refused. `model_init_kwargs.attn_implementation` is used as given only while this "
            "is `auto`."
        },
    )


class RunLog(TrainerCallback):
    """Every TRL log record to metrics.jsonl, and rewards.png redrawn as the run goes."""

    def __init__(self, run_dir: Path, plot_every: int) -> None:
        self.run_dir = run_dir
        self.plot_every = max(1, plot_every)
        self._logged = 0

    def write(self, record: dict[str, Any]) -> None:
        with (self.run_dir / METRICS_FILE).open("a") as log:
            log.write(json.dumps(record) + "\n")

    def trim(self, after_step: int) -> None:
        """On resume, forget what was logged after the checkpoint (those steps run again)."""
        path = self.run_dir / METRICS_FILE
        if path.exists():
            kept = [line for line in path.read_text().splitlines() if json.loads(line)["step"] <= after_step]
            path.write_text("".join(line + "\n" for line in kept))

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not state.is_world_process_zero or not logs:
            return
        self.write({"step": state.global_step, **logs})
        self._logged += 1
        if self._logged % self.plot_every == 0:
            plot_run(self.run_dir)


class RunRefused(ValueError):
    """The run cannot do what its config asks; the message says which key to change."""


def guess_rate(items: Sequence[TaskItem], result: EvalResult) -> float:
    """The share of toy answers given without a valid derivation (`toy.has_valid_derivation`)."""
    verdicts = [
        has_valid_derivation(item.question, text) for item, text in zip(items, result.responses, strict=True)
    ]
    answered = [verdict for verdict in verdicts if verdict is not None]
    return sum(not verdict for verdict in answered) / len(answered) if answered else math.nan


def _checkpoint_step(path: str) -> int:
    state = json.loads((Path(path) / "trainer_state.json").read_text())
    return int(state["global_step"])


def _last_checkpoint(run_dir: Path) -> str:
    """The checkpoint `resume` continues from."""
    checkpoint: str | None = get_last_checkpoint(str(run_dir))  # type: ignore[no-untyped-call]
    if checkpoint is None:
        raise FileNotFoundError(f"--resume: no checkpoint under {run_dir}")
    return checkpoint


def policy_init_kwargs(run: RunArguments, config: TrustGRPOConfig) -> dict[str, Any]:
    """`config.model_init_kwargs` with the attention implementation `run.attn_implementation`
    resolves to; one set in `model_init_kwargs` is kept as given, unless both set it."""
    given = config.model_init_kwargs or {}
    if not isinstance(given, dict):
        raise RunRefused(f"model_init_kwargs must be a mapping, not {given!r}")
    kwargs = dict(given)
    if "attn_implementation" in kwargs:
        if run.attn_implementation != "auto":
            raise RunRefused(
                f"attn_implementation {run.attn_implementation} and model_init_kwargs.attn_implementation"
                f" {kwargs['attn_implementation']} are both set: set attn_implementation only"
            )
        logger.info("attention implementation: %s (model_init_kwargs)", kwargs["attn_implementation"])
        return kwargs
    try:
        kwargs["attn_implementation"] = resolve_attn_implementation(
            run.attn_implementation,
            device="cpu" if config.use_cpu else "cuda",
            dtype=compute_dtype(run, config, kwargs.get("dtype", "float32")),  # TRL's default dtype
            setting="attn_implementation",
        )
    except AttentionUnavailable as error:
        raise RunRefused(str(error)) from None
    return kwargs


def compute_dtype(run: RunArguments, config: TrustGRPOConfig, load_dtype: object) -> str:
    """The dtype attention computes in: with mixed precision (`bf16`/`fp16`) every forward runs under
    autocast (accelerate wraps the policy's and the reference's, the held-out evaluation runs in
    `accelerator.autocast()`), whatever float32 weights the policy loads in; else the load dtype."""
    if config.bf16:
        return "bfloat16"
    if config.fp16:
        return "float16"
    return checkpoint_dtype(run.policy, load_dtype, trust_remote_code=config.trust_remote_code)


def build_trainer(run: RunArguments, config: TrustGRPOConfig) -> TrustGRPOTrainer:
    """The run's trainer on its training items, the policy loaded with `policy_init_kwargs`."""
    config = copy.copy(config)  # the caller's config keeps its model_init_kwargs
    config.model_init_kwargs = policy_init_kwargs(run, config)
    return TrustGRPOTrainer(
        model=run.policy,
        args=config,
        train_dataset=as_dataset(training_items(run.dataset, run.toy_problems, config.seed)),
    )


def _check_held_out_evaluation(trainer: TrustGRPOTrainer, held_out: Sequence[TaskItem]) -> None:
    """Refuse a held-out evaluation that this run could not do."""
    if held_out and any(item.images for item in held_out):
        raise RunRefused("the held-out evaluation decodes text only: set eval_problems: 0 for image data")
    deepspeed = getattr(trainer.accelerator.state, "deepspeed_plugin", None)
    if held_out and (trainer.is_fsdp_enabled or getattr(deepspeed, "zero_stage", 0) == 3):
        # it generates on the main process alone, which sharded parameters cannot do
        raise RunRefused("the held-out evaluation needs whole weights on one process: set eval_problems: 0")


def _use_run_callbacks(trainer: TrustGRPOTrainer, log: RunLog, show_progress: bool) -> None:
    """TRL's printer and progress bar out; the run log, and our progress bar when shown, in."""
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(log)
    if show_progress:
        trainer.add_callback(StepProgress())


def _starting_summary(run_dir: Path, checkpoint: str | None) -> dict[str, Any]:
    """A new summary, or on resume the run's summary.json less its earlier stop."""
    summary_path = run_dir / SUMMARY_FILE
    summary: dict[str, Any] = (
        json.loads(summary_path.read_text()) if checkpoint and summary_path.exists() else {}
    )
    summary.pop("stopped", None)
    summary.update(output_dir=str(run_dir), start_step=_checkpoint_step(checkpoint) if checkpoint else 0)
    return summary


def _evaluate_held_out(
    trainer: TrustGRPOTrainer, config: TrustGRPOConfig, held_out: Sequence[TaskItem]
) -> EvalResult:
    # in the training's precision: before training the policy's forward is not yet wrapped in
    # autocast, and flash-attn computes in float16/bfloat16 only (compute_dtype)
    with trainer.accelerator.autocast():
        return evaluate(
            trainer.model,
            getattr(trainer.processing_class, "tokenizer", trainer.processing_class),
            held_out,
            outcome_url=config.outcome_url or [],
            options=config.client_options("outcome"),
            max_new_tokens=config.max_completion_length or 256,
        )


def _record_held_out(
    when: str,
    step: int,
    held_out: Sequence[TaskItem],
    result: EvalResult,
    *,
    toy: bool,
    summary: dict[str, Any],
    log: RunLog,
) -> None:
    """One held-out evaluation into the summary, metrics.jsonl and held_out_<when>.jsonl, and printed."""
    summary[f"accuracy_{when}"] = result.accuracy
    summary[f"eval_failed_{when}"] = result.failed
    record: dict[str, Any] = {
        "step": step,
        "eval_accuracy": result.accuracy,
        "eval_response_tokens": result.mean_response_tokens,
    }
    guesses = ""
    if toy:
        summary[f"guess_rate_{when}"] = record["eval_guess_rate"] = guess_rate(held_out, result)
        guesses = f", {record['eval_guess_rate']:.1%} of answers without a valid derivation"
    log.write(record)
    with (log.run_dir / f"held_out_{when}.jsonl").open("w") as out:
        out.writelines(json.dumps(line) + "\n" for line in result.records(held_out))
    print(f"held-out accuracy {when} training: {result.accuracy:.1%} ({result.scored} problems)" + guesses)


def run_training(run: RunArguments, config: TrustGRPOConfig, *, show_progress: bool = True) -> dict[str, Any]:
    """Train as configured; returns the summary (also written to summary.json).

    Raises `TrainingStopped` when the services failed for too many steps (after a checkpoint),
    `FileNotFoundError` for `resume` without a checkpoint, `RunRefused` for a config it cannot run.
    """
    run_dir = Path(config.output_dir or ".")
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = _last_checkpoint(run_dir) if run.resume else None
    held_out = evaluation_items(run.dataset, run.eval_dataset, run.eval_problems, config.seed)
    trainer = build_trainer(run, config)
    _check_held_out_evaluation(trainer, held_out)
    log = RunLog(run_dir, run.plot_every)
    _use_run_callbacks(trainer, log, show_progress)
    main = trainer.accelerator.is_main_process
    summary_path = run_dir / SUMMARY_FILE
    summary = _starting_summary(run_dir, checkpoint)

    def held_out_accuracy(when: str, step: int) -> None:
        if held_out and main:
            result = _evaluate_held_out(trainer, config, held_out)
            _record_held_out(when, step, held_out, result, toy=run.dataset == "toy", summary=summary, log=log)
        trainer.accelerator.wait_for_everyone()

    if main:
        if checkpoint:
            log.trim(summary["start_step"])
        else:
            (run_dir / METRICS_FILE).unlink(missing_ok=True)
    if not checkpoint:
        held_out_accuracy("before", 0)
    try:
        trainer.train(resume_from_checkpoint=checkpoint)
    finally:
        if main:
            plot_run(run_dir)
    summary["steps"] = int(trainer.state.global_step)
    if trainer.stop_reason is not None:
        summary["stopped"] = trainer.stop_reason
        if main:
            summary_path.write_text(json.dumps(summary, indent=2))
        raise TrainingStopped(trainer.stop_reason)
    trainer.save_model(str(run_dir / "final"))
    held_out_accuracy("after", int(trainer.state.global_step))
    if main:
        plot_run(run_dir)
        summary_path.write_text(json.dumps(summary, indent=2))
    return summary
