"""`reward_proto.attention`: `auto` picks flash-attn only where it can run; an explicit choice is kept
or refused, never swapped."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from reward_proto.attention import (
    ATTN_IMPLEMENTATIONS,
    AttentionUnavailable,
    checkpoint_dtype,
    resolve_attn_implementation,
)

SETTING = "attn_implementation (--attn-implementation)"


def resolve(requested: str, dtype: object = "bfloat16", device: str = "cuda") -> str:
    return resolve_attn_implementation(requested, device=device, dtype=dtype, setting=SETTING)


def test_auto_is_sdpa_on_this_machine(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="reward_proto.attention"):
        assert resolve("auto") == "sdpa"
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith("attention implementation: sdpa")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", torch.bfloat16, torch.float16])
def test_auto_is_flash_attention_where_it_imports_on_a_gpu_in_half_precision(
    dtype: object, fake_flash_attn: Callable[[str], None], gpu: None
) -> None:
    fake_flash_attn("")
    assert resolve("auto", dtype=dtype) == "flash_attention_2"
    assert resolve("flash_attention_2", dtype=dtype) == "flash_attention_2"


@pytest.mark.parametrize(
    ("dtype", "device"), [("float32", "cuda"), (torch.float32, "cuda:0"), ("bfloat16", "cpu")]
)
def test_auto_is_sdpa_in_float32_or_off_the_gpu(
    dtype: object, device: str, fake_flash_attn: Callable[[str], None], gpu: None
) -> None:
    fake_flash_attn("")
    assert resolve("auto", dtype=dtype, device=device) == "sdpa"


def test_a_flash_attn_whose_import_raises_is_not_importable(
    fake_flash_attn: Callable[[str], None], gpu: None
) -> None:
    fake_flash_attn("raise ImportError('undefined symbol: _ZN3c104cuda9SetDeviceEi')\n")
    assert resolve("auto") == "sdpa"
    with pytest.raises(AttentionUnavailable, match=r"flash_attn does not import.*undefined symbol"):
        resolve("flash_attention_2")


def test_an_explicit_flash_attention_that_cannot_run_is_refused_naming_the_setting(
    no_flash_attn_module: None,
) -> None:
    with pytest.raises(AttentionUnavailable) as refused:
        resolve("flash_attention_2")
    message = str(refused.value)
    assert message.startswith(f"{SETTING} is flash_attention_2, but ")
    assert "no CUDA device is available" in message
    assert "set it to auto, sdpa or eager" in message


def test_an_explicit_flash_attention_in_float32_is_refused(
    fake_flash_attn: Callable[[str], None], gpu: None
) -> None:
    fake_flash_attn("")
    with pytest.raises(AttentionUnavailable, match="runs in float32"):
        resolve("flash_attention_2", dtype="float32")


@pytest.mark.parametrize("requested", ["sdpa", "eager"])
def test_sdpa_and_eager_pass_through(
    requested: str, fake_flash_attn: Callable[[str], None], gpu: None
) -> None:
    fake_flash_attn("")
    assert resolve(requested) == requested
    assert resolve(requested, dtype="float32", device="cpu") == requested
    assert "flash_attn" not in sys.modules  # not even looked at


def test_an_unknown_implementation_is_refused() -> None:
    with pytest.raises(ValueError, match="'flash' is not one of auto, flash_attention_2, sdpa, eager"):
        resolve("flash")
    assert ATTN_IMPLEMENTATIONS == ("auto", "flash_attention_2", "sdpa", "eager")


def test_the_dtype_auto_is_the_checkpoints(tmp_path: Path) -> None:
    from transformers import Qwen2Config

    Qwen2Config(dtype="bfloat16").save_pretrained(tmp_path)
    assert checkpoint_dtype(str(tmp_path), "auto") == "bfloat16"
    assert checkpoint_dtype(str(tmp_path), torch.float16) == "float16"
    assert checkpoint_dtype(str(tmp_path), "float32") == "float32"


def test_importing_the_module_loads_neither_torch_nor_transformers() -> None:
    code = "import sys, reward_proto.attention; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
