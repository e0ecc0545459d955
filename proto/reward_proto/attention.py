"""The attention implementation a Hugging Face model loads with (`attn_implementation`).

In the shared package because it is the one both the judge service and the trainer may import
(docs/architecture.md, Parts); torch, transformers and flash_attn load inside the functions only.
"""

from __future__ import annotations

import importlib
import logging
from typing import Literal, get_args

logger = logging.getLogger(__name__)

AttnImplementation = Literal["auto", "flash_attention_2", "sdpa", "eager"]
ATTN_IMPLEMENTATIONS: tuple[str, ...] = get_args(AttnImplementation)
FLASH_DTYPES = frozenset({"float16", "bfloat16"})  # all that flash-attn computes in


class AttentionUnavailable(ValueError):
    """`flash_attention_2` was set where it cannot run; the message names the setting."""


def dtype_name(dtype: object) -> str:
    """`torch.bfloat16` or `"bfloat16"` as `"bfloat16"`."""
    return str(dtype).removeprefix("torch.")


def checkpoint_dtype(model: str, dtype: object, *, trust_remote_code: bool = False) -> str:
    """The name of the dtype `model` loads in with `dtype`: itself, or for `auto` the one its
    config names (float32 when it names none, as `from_pretrained` does)."""
    if dtype != "auto":
        return dtype_name(dtype)
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model, trust_remote_code=trust_remote_code)
    named = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    return dtype_name(named or "float32")


def resolve_attn_implementation(requested: str, *, device: str, dtype: object, setting: str) -> str:
    """What to pass `from_pretrained` as `attn_implementation`; logged once per call.

    `auto` is `flash_attention_2` when flash_attn imports, CUDA is available, the model runs on
    `device` cuda and in float16/bfloat16 (`dtype`); else `sdpa`. `sdpa` and `eager` are kept. An
    explicit `flash_attention_2` that cannot run raises `AttentionUnavailable` naming `setting`:
    never a silent fallback.
    """
    if requested not in ATTN_IMPLEMENTATIONS:
        raise ValueError(f"{setting}: {requested!r} is not one of {', '.join(ATTN_IMPLEMENTATIONS)}")
    if requested in ("sdpa", "eager"):
        chosen, why = requested, "as set"
    else:
        problems = flash_attention_problems(device=device, dtype=dtype)
        if problems and requested == "flash_attention_2":
            raise AttentionUnavailable(
                f"{setting} is flash_attention_2, but {'; '.join(problems)}: set it to auto, sdpa or eager"
            )
        chosen = "sdpa" if problems else "flash_attention_2"
        why = "; ".join(problems) if problems else f"flash_attn imports, {device}, {dtype_name(dtype)}"
    logger.info("attention implementation: %s (%s %s: %s)", chosen, setting, requested, why)
    return chosen


def flash_attention_problems(*, device: str, dtype: object) -> list[str]:
    """Why flash-attn cannot run a model on `device` in `dtype` here; empty when it can."""
    import torch

    problems = []
    if not torch.cuda.is_available():
        problems.append("no CUDA device is available")
    elif not device.startswith("cuda"):
        problems.append(f"the model runs on {device}")
    if dtype_name(dtype) not in FLASH_DTYPES:
        problems.append(f"the model runs in {dtype_name(dtype)} (flash-attn takes float16 or bfloat16)")
    try:
        importlib.import_module("flash_attn")
    except Exception as error:  # a CUDA or torch ABI mismatch raises ImportError, OSError or others
        problems.append(f"flash_attn does not import ({type(error).__name__}: {error})")
    return problems
