"""Trust-GRPO in verl 0.9.x (Ray): a reward function, an advantage estimator and a setup hook.

- `compute_score` is verl's custom reward function (`reward.custom_reward_function`): for one sample it
  calls the outcome and the thinking service concurrently and returns `{"score", "outcome",
  "thinking"}`; a failed call is NaN in `outcome`/`thinking`, never 0 (`score`, the value verl puts in
  its own reward tensor and metrics, is R^o, or 0.0 when the outcome failed).
- `trust_grpo_advantage` is registered as the advantage estimator `trust_grpo`: per `uid` group it
  applies `trust_grpo.rewards.trust_advantages`, the reference, and spreads each item's advantage over
  its response tokens, as verl's `grpo` does.
- `install` (run in every Ray worker by `ray_kwargs.ray_init.runtime_env.worker_process_setup_hook`)
  registers the estimator and wraps `PPOTrainer._compute_advantage`, because verl 0.9.1 hands an
  estimator only the summed reward, the mask and the uid: the wrapper reads both scores from each
  sample's `extra_fields.reward_extra_info` in TransferQueue, the step from the trainer, and which
  rows are padding or earlier outputs of a multi-output session, then runs verl's own method.

The Hydra overrides that turn it on, and what it does not cover, are in docs/verl.md. This module
imports verl only inside functions: `import trust_grpo` never needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import importlib.abc
import importlib.machinery
import itertools
import logging
import math
import numbers
import os
import sys
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, get_args

import torch
from pydantic import ValidationError
from reward_proto import ScoreItem

from trust_grpo.client import ItemScore, RewardClient
from trust_grpo.rewards import Mode, TrustBatch, trust_advantages

logger = logging.getLogger(__name__)

ESTIMATOR = "trust_grpo"
API_KEY_ENV = "TRUST_GRPO_API_KEY"
# The keys `compute_score` returns; verl stores them per sample in extra_fields["reward_extra_info"]
# (or, with a colocated reward model, as top-level TransferQueue fields).
OUTCOME_KEY, THINKING_KEY = "outcome", "thinking"
_CORE_ALGOS = "verl.trainer.ppo.core_algos"
_TRAINER_BASE = "verl.trainer.ppo.v1.trainer_base"
_KNOBS = ("alpha", "anneal_T", "mode", "min_valid_per_group", "eps")
_NAN = math.nan


# ---------------------------------------------------------------- reward function


class _Coalescer:
    """Merges the single-sample calls that arrive within `window_s` on one event loop into one
    `/score` request (verl scores each sample in its own `compute_score` call)."""

    def __init__(self, client: RewardClient, window_s: float, max_items: int) -> None:
        self.client = client
        self.window_s = window_s
        self.max_items = max_items
        self._ids = itertools.count()
        self._pending: list[tuple[ScoreItem, asyncio.Future[ItemScore]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()  # keeps the tasks alive until done

    async def score(self, item: ScoreItem) -> ItemScore:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ItemScore] = loop.create_future()
        # ids only need to be unique within one request; the caller's id is restored below
        self._pending.append((item.model_copy(update={"id": str(next(self._ids))}), future))
        if len(self._pending) >= self.max_items:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.window_s, self._flush)
        result = await future
        return ItemScore(item.id, result.score, result.status, result.reason, result.details)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[ScoreItem, asyncio.Future[ItemScore]]]) -> None:
        items = [item for item, _ in batch]
        try:
            scores = await self.client.score(items)
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # a bug or a closed client: these items fail, later ones go on
            reason = f"error: {type(exc).__name__}: {exc}"[:300]
            scores = [ItemScore(item.id, _NAN, "error", reason) for item in items]
        for (_, future), score in zip(batch, scores, strict=True):
            if not future.done():  # its caller may have been cancelled
                future.set_result(score)

    async def aclose(self) -> None:
        self._flush()
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        await self.client.aclose()


_ClientKey = tuple[str, tuple[str, ...], str | None, float, float]
# One client per event loop (RewardClient's rule) and per configuration; Ray runs an async actor's
# methods on one loop, so a reward worker keeps its pooled connections for the whole run.
_COALESCERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_ClientKey, _Coalescer]] = (
    weakref.WeakKeyDictionary()
)


def _urls(value: str | Sequence[str] | None, name: str) -> tuple[str, ...]:
    if value is None:
        raise ValueError(
            f"compute_score needs {name}: set +reward.custom_reward_function.reward_kwargs.{name}=http://..."
        )
    raw = value.split(",") if isinstance(value, str) else [str(url) for url in value]
    return tuple(url.strip().rstrip("/") for url in raw if url.strip())


def _coalescer(
    service: str, urls: tuple[str, ...], api_key: str | None, timeout_s: float, window_s: float
) -> _Coalescer:
    loop = asyncio.get_running_loop()
    per_loop = _COALESCERS.setdefault(loop, {})
    key = (service, urls, api_key, timeout_s, window_s)
    coalescer = per_loop.get(key)
    if coalescer is None:
        client = RewardClient(urls, api_key=api_key, timeout_s=timeout_s, name=service)
        coalescer = per_loop[key] = _Coalescer(client, window_s, client.max_items_per_request)
    return coalescer


async def aclose_clients() -> None:
    """Close the reward clients of the running event loop (tests; verl never closes them)."""
    coalescers = _COALESCERS.pop(asyncio.get_running_loop(), {})
    await asyncio.gather(*(coalescer.aclose() for coalescer in coalescers.values()))


def score_item(
    solution_str: str, ground_truth: Any, extra_info: Mapping[str, Any] | None, answer_type: str
) -> ScoreItem:
    """The wire item of one verl sample: `ground_truth` from verl's argument; `question`,
    `answer_type`, `choices`, `images` (data URIs) and `group_id` from the dataset's `extra_info`."""
    info = extra_info or {}
    fields: dict[str, Any] = {"answer_type": info.get("answer_type") or answer_type}
    for name in ("question", "choices", "images"):
        if info.get(name) is not None:
            fields[name] = info[name]
    group = info.get("group_id", info.get("index"))
    if group is not None:
        fields["group_id"] = str(group)
    if ground_truth is not None:
        fields["ground_truth"] = ground_truth if isinstance(ground_truth, str) else str(ground_truth)
    return ScoreItem(id="sample", response=solution_str, **fields)


async def compute_score(
    data_source: Any = None,
    solution_str: str = "",
    ground_truth: Any = None,
    extra_info: Mapping[str, Any] | None = None,
    *,
    outcome_url: str | Sequence[str] | None = None,
    thinking_url: str | Sequence[str] | None = None,
    api_key: str | None = None,
    timeout_s: float = 120.0,
    answer_type: str = "math",
    batch_window_ms: float = 5.0,
    **_: Any,
) -> dict[str, float]:
    """verl's reward function for one sample: both services concurrently.

    The keyword arguments come from `reward.custom_reward_function.reward_kwargs`; the URLs may
    list several replicas (comma-separated or a list); the key defaults to $TRUST_GRPO_API_KEY.
    Returns `outcome` and `thinking` (NaN where a service could not score the sample) and `score`
    (R^o, or 0.0 when the outcome failed: verl's own reward tensor has no NaN).
    """
    outcome_urls, thinking_urls = _urls(outcome_url, "outcome_url"), _urls(thinking_url, "thinking_url")
    try:
        item = score_item(solution_str, ground_truth, extra_info, answer_type)
    except ValidationError as exc:
        logger.warning(
            "a sample is not a valid score item (scored NaN): %s", str(exc).replace("\n", " ")[:300]
        )
        return {"score": 0.0, OUTCOME_KEY: _NAN, THINKING_KEY: _NAN}
    key = api_key or os.environ.get(API_KEY_ENV) or None
    window_s = max(0.0, batch_window_ms) / 1000
    outcome, thinking = await asyncio.gather(
        _coalescer("outcome", outcome_urls, key, timeout_s, window_s).score(item),
        _coalescer("thinking", thinking_urls, key, timeout_s, window_s).score(item),
    )
    return {
        "score": outcome.score if outcome.ok else 0.0,
        OUTCOME_KEY: outcome.score,
        THINKING_KEY: thinking.score,
    }


# ---------------------------------------------------------------- advantage estimator


@dataclass
class TrustInputs:
    """What the estimator needs besides verl's arguments, for one `compute_advantage` call.

    `skip` marks rows left out of every group (verl's synthetic padding samples); `final[i]` is the
    row of the last output of row i's session (an agent loop may return several outputs per sample;
    the session counts once in its group, as in verl's GRPO); `result` and `anneal` are set by the
    estimator.
    """

    outcome: torch.Tensor
    thinking: torch.Tensor
    global_steps: int
    total_steps: int
    skip: torch.Tensor | None = None
    final: torch.Tensor | None = None
    result: TrustBatch | None = field(default=None, repr=False)
    anneal: float = math.nan  # exp(-step / T) of that call


_INPUTS: contextvars.ContextVar[TrustInputs | None] = contextvars.ContextVar(
    "trust_grpo_inputs", default=None
)


@contextlib.contextmanager
def trust_inputs(
    outcome: Sequence[float] | torch.Tensor,
    thinking: Sequence[float] | torch.Tensor,
    *,
    global_steps: int,
    total_steps: int,
    skip: Sequence[bool] | torch.Tensor | None = None,
    final: Sequence[int] | torch.Tensor | None = None,
) -> Iterator[TrustInputs]:
    """Make the scores and the step (verl's 1-based `global_steps`) visible to `trust_grpo_advantage`
    for the `compute_advantage` calls inside the block; the patched trainer does this itself."""
    inputs = TrustInputs(
        torch.as_tensor(outcome, dtype=torch.float64),
        torch.as_tensor(thinking, dtype=torch.float64),
        int(global_steps),
        int(total_steps),
        None if skip is None else torch.as_tensor(skip, dtype=torch.bool),
        None if final is None else torch.as_tensor(final, dtype=torch.long),
    )
    token = _INPUTS.set(inputs)
    try:
        yield inputs
    finally:
        _INPUTS.reset(token)


def _knobs(config: Any) -> dict[str, Any]:
    """`algorithm.trust_grpo.*` (set with `+algorithm.trust_grpo.alpha=...`); refuses what would
    make the result differ from the reference without saying so."""
    if config is None:
        return {}
    if config.get("use_kl_in_reward", False):
        raise ValueError(
            "trust_grpo takes its rewards from the two services and would drop the in-reward KL "
            "penalty: set algorithm.use_kl_in_reward=False (use actor_rollout_ref.actor.use_kl_loss)"
        )
    if not config.get("norm_adv_by_std_in_grpo", True):
        raise ValueError(
            "trust_grpo always divides by the group std: algorithm.norm_adv_by_std_in_grpo must be True"
        )
    section = config.get(ESTIMATOR) or {}
    knobs = {str(name): section[name] for name in section}
    unknown = sorted(set(knobs) - set(_KNOBS))
    if unknown:
        raise ValueError(f"unknown algorithm.trust_grpo keys {unknown}; known: {list(_KNOBS)}")
    if knobs.get("mode", "paper") not in get_args(Mode):
        raise ValueError(f"algorithm.trust_grpo.mode must be one of {get_args(Mode)}, got {knobs['mode']!r}")
    return knobs


def _as_scores(values: Any, size: int, name: str) -> torch.Tensor:
    scores = torch.as_tensor(values, dtype=torch.float64).reshape(-1)
    if scores.numel() != size:
        raise ValueError(f"trust_grpo got {scores.numel()} {name} scores for a batch of {size}")
    return scores


def _arguments_or_inputs(
    inputs: TrustInputs | None,
    outcome: Sequence[float] | torch.Tensor | None,
    thinking: Sequence[float] | torch.Tensor | None,
    global_steps: int | None,
    total_steps: int | None,
) -> tuple[Sequence[float] | torch.Tensor, Sequence[float] | torch.Tensor, int, int]:
    """The scores and the steps: each from the estimator's arguments, or else from `trust_inputs`."""
    if outcome is None or thinking is None or global_steps is None or total_steps is None:
        if inputs is None:
            raise RuntimeError(
                "trust_grpo needs both scores and the step, which verl 0.9 does not pass to estimators: "
                "run trust_grpo.verl_plugin.install in the trainer process (Hydra: "
                "+ray_kwargs.ray_init.runtime_env.worker_process_setup_hook=trust_grpo.verl_plugin.install) "
                "with the V1 trainer, or call the estimator inside trust_inputs(...)"
            )
        outcome = inputs.outcome if outcome is None else outcome
        thinking = inputs.thinking if thinking is None else thinking
        global_steps = inputs.global_steps if global_steps is None else global_steps
        total_steps = inputs.total_steps if total_steps is None else total_steps
    return outcome, thinking, global_steps, total_steps


def _sessions(inputs: TrustInputs | None, size: int) -> tuple[list[int], torch.Tensor]:
    """From `trust_inputs`' `skip` and `final` (without them, every row is its own session): the rows
    that stand for their session in its group (its last output; padding left out), and `final`."""
    skip = inputs.skip if inputs is not None else None
    skip = torch.zeros(size, dtype=torch.bool) if skip is None else skip
    final = inputs.final if inputs is not None else None
    final = torch.arange(size) if final is None else final
    if skip.numel() != size or final.numel() != size:
        raise ValueError(
            f"trust_grpo got {skip.numel()} padding flags, {final.numel()} sessions for {size} rows"
        )
    rows = (~skip & (final == torch.arange(size))).nonzero().flatten().tolist()
    return rows, final


def trust_grpo_advantage(
    token_level_rewards: torch.Tensor,
    response_mask: torch.Tensor,
    index: Sequence[Hashable] | None = None,
    config: Any = None,
    *,
    outcome: Sequence[float] | torch.Tensor | None = None,
    thinking: Sequence[float] | torch.Tensor | None = None,
    global_steps: int | None = None,
    total_steps: int | None = None,
    **_: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The `trust_grpo` estimator: (advantages, returns), both `A_i * response_mask`.

    `index` is verl's `uid` (the group); `outcome`, `thinking`, `global_steps` (1-based, verl's) and
    `total_steps` come as arguments or from `trust_inputs` (the patched trainer). The anneal uses
    `step = global_steps - 1`, so the first step is 0 as in the project's trainer. The summed
    `token_level_rewards` are not used: R^o and R^t come separately.
    """
    inputs = _INPUTS.get()
    size = token_level_rewards.shape[0]
    outcome, thinking, global_steps, total_steps = _arguments_or_inputs(
        inputs, outcome, thinking, global_steps, total_steps
    )
    if index is None:
        raise ValueError("trust_grpo needs the group of each sample (verl's non_tensor_batch['uid'])")
    outcome_t = _as_scores(outcome, size, OUTCOME_KEY)
    thinking_t = _as_scores(thinking, size, THINKING_KEY)
    rows, final = _sessions(inputs, size)
    knobs = _knobs(config)
    step, total = max(int(global_steps) - 1, 0), int(total_steps)
    result = trust_advantages(
        outcome_t[rows], thinking_t[rows], [index[row] for row in rows], step=step, total_steps=total, **knobs
    )
    members = torch.zeros(size, dtype=torch.float64)
    members[rows] = result.advantages
    advantages = members[final]  # every output of a session gets the session's advantage
    if inputs is not None:
        inputs.result = result
        anneal_t = knobs.get("anneal_T")
        inputs.anneal = math.exp(-step / (float(anneal_t) if anneal_t is not None else total))
    scores = (
        advantages.to(token_level_rewards.dtype).to(token_level_rewards.device).unsqueeze(-1) * response_mask
    )
    return scores, scores


def batch_metrics(result: TrustBatch, anneal: float) -> dict[str, float]:
    """What the trainer logs for one batch, under `trust_grpo/` (verl sums `*_total`, averages the rest)."""
    gammas = result.gammas
    return {
        "trust_grpo/gamma/mean": sum(gammas) / len(gammas) if gammas else _NAN,
        "trust_grpo/gamma/min": min(gammas) if gammas else _NAN,
        "trust_grpo/groups_gamma_below_one_total": float(sum(gamma < 1.0 for gamma in gammas)),
        "trust_grpo/groups_kept_total": float(len(gammas)),
        "trust_grpo/groups_dropped_total": float(result.dropped_groups),
        "trust_grpo/items_masked_total": float(result.masked_items),
        "trust_grpo/outcome/mean": result.outcome_mean,
        "trust_grpo/thinking_correct/mean": result.thinking_correct_mean,
        "trust_grpo/thinking_wrong/mean": result.thinking_wrong_mean,
        "trust_grpo/anneal": anneal,
    }


# ---------------------------------------------------------------- trainer patch and setup hook


def _number(value: Any, name: str) -> float:
    if value is None:
        return _NAN
    if isinstance(value, numbers.Real):  # float, int, numpy scalars
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    inner = getattr(value, "data", None)  # tensordict's NonTensorData
    if isinstance(inner, numbers.Real):
        return float(inner)
    raise TypeError(f"reward_extra_info[{name!r}] must be a number (NaN for a failure), got {value!r}")


def _extra_scores(data: Any, skip: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Both scores per sample from what TransferQueue returned for `extra_fields` (or the top-level
    fields a colocated reward model writes); None or NaN is a failure (masked)."""
    size = len(skip)
    present = set(data.keys())  # a TensorDict has no `in`
    top = {name: list(data[name]) for name in (OUTCOME_KEY, THINKING_KEY) if name in present}
    extra = list(data["extra_fields"]) if "extra_fields" in present else [None] * size
    outcome: list[float] = []
    thinking: list[float] = []
    missing = 0
    for row in range(size):
        # the replay buffer's access pattern (verl/trainer/ppo/v1/replay_buffer.py)
        fields = getattr(extra[row], "data", extra[row])
        info = fields.get("reward_extra_info", {}) if isinstance(fields, dict) else {}
        if OUTCOME_KEY not in top and OUTCOME_KEY not in info and not skip[row]:
            missing += 1
        for name, out in ((OUTCOME_KEY, outcome), (THINKING_KEY, thinking)):
            out.append(_number(top[name][row] if name in top else info.get(name), name))
    if missing and missing == size - sum(skip):
        # all NaN would drop every group and train on nothing, silently
        raise RuntimeError(
            f"no sample has {OUTCOME_KEY!r} in extra_fields['reward_extra_info']: set "
            "reward.custom_reward_function.path=pkg://trust_grpo.verl_plugin (name compute_score)"
        )
    return outcome, thinking


def _final_rows(keys: Sequence[str]) -> list[int]:
    """For each row, the row of its session's last output, from verl's `{uid}_{session}_{index}`
    TransferQueue keys (as `compute_advantage_for_multi_trajectories` reads them); a key of another
    form is a session of its own."""
    last: dict[str, tuple[int, int]] = {}
    sessions = []
    for row, key in enumerate(keys):
        parts = key.rsplit("_", 2)
        session, turn = (
            (f"{parts[0]}_{parts[1]}", int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else (key, 0)
        )
        sessions.append(session)
        if session not in last or last[session][0] < turn:
            last[session] = (turn, row)
    return [last[session][1] for session in sessions]


def _patched(original: Callable[..., Any], module: ModuleType) -> Callable[..., Any]:
    @functools.wraps(original)
    def _compute_advantage(self: Any, batch: Any, metrics: dict[str, Any]) -> Any:
        algorithm = self.config.algorithm
        if str(algorithm.adv_estimator) != ESTIMATOR:
            return original(self, batch, metrics)
        tq = module.tq  # looked up per call: the trainer module's own TransferQueue handle
        data = tq.kv_batch_get(
            keys=batch.keys,
            partition_id=batch.partition_id,
            select_fields=["extra_fields", OUTCOME_KEY, THINKING_KEY],
        )
        size = len(batch.keys)
        skip = [bool(tag.get("is_padding", False)) for tag in (batch.tags or [{}] * size)]
        outcome, thinking = _extra_scores(data, skip)
        with trust_inputs(
            outcome,
            thinking,
            global_steps=self.global_steps,
            total_steps=self.total_training_steps,
            skip=skip,
            final=_final_rows(batch.keys),
        ) as inputs:
            batch = original(self, batch, metrics)
        if inputs.result is not None:
            metrics.update(batch_metrics(inputs.result, inputs.anneal))
        return batch

    _compute_advantage.__trust_grpo__ = True  # type: ignore[attr-defined]
    return _compute_advantage


def _register(core_algos: ModuleType) -> None:
    registered = core_algos.ADV_ESTIMATOR_REGISTRY.get(ESTIMATOR)
    # a second copy of this module (loaded from a file path) must not fail the registration
    if registered is None or not getattr(registered, "__trust_grpo__", False):
        core_algos.register_adv_est(ESTIMATOR)(trust_grpo_advantage)


def _patch_trainer(trainer_base: ModuleType) -> None:
    trainer = trainer_base.PPOTrainer
    if not getattr(trainer._compute_advantage, "__trust_grpo__", False):
        trainer._compute_advantage = _patched(trainer._compute_advantage, trainer_base)


trust_grpo_advantage.__trust_grpo__ = True  # type: ignore[attr-defined]
_HOOKS: dict[str, Callable[[ModuleType], None]] = {_CORE_ALGOS: _register, _TRAINER_BASE: _patch_trainer}


class _HookedLoader(importlib.abc.Loader):
    """Runs the module's own loader, then its hook."""

    def __init__(self, loader: importlib.abc.Loader, hook: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._hook(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_resource_reader, ...
        return getattr(self._loader, name)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Applies `_HOOKS` when verl's modules are first imported, so that Ray workers which never
    import the trainer (rollout, reward, storage) do not pay for it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        hook = _HOOKS.get(fullname)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            spec: importlib.machinery.ModuleSpec | None = (
                find_spec(fullname, path, target) if find_spec is not None else None
            )
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _HookedLoader(spec.loader, hook)
                return spec
        return None


def install() -> None:
    """Register `trust_grpo` and patch the V1 trainer, now for modules already imported and at
    import for the others. Idempotent. Ray runs it in every worker as `worker_process_setup_hook`."""
    for name, hook in _HOOKS.items():
        module = sys.modules.get(name)
        if module is not None:
            hook(module)
    if not any(isinstance(finder, _AfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())


__all__ = [
    "ESTIMATOR",
    "TrustInputs",
    "aclose_clients",
    "batch_metrics",
    "compute_score",
    "install",
    "score_item",
    "trust_grpo_advantage",
    "trust_inputs",
]
