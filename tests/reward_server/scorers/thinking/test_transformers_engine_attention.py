"""The transformers engine loads the judge with the attention implementation the setting resolves to."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from reward_proto.attention import AttentionUnavailable
from reward_server.scorers.thinking.engines.transformers_engine import TransformersEngine

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("setting", "loaded"), [("auto", "sdpa"), ("sdpa", "sdpa"), ("eager", "eager")])
async def test_the_judge_loads_with_the_resolved_implementation(
    setting: str, loaded: str, tiny_judge: Path
) -> None:
    engine = TransformersEngine(str(tiny_judge), attn_implementation=setting)  # type: ignore[arg-type]
    await engine.start()
    try:
        assert engine._model.config._attn_implementation == loaded
    finally:
        await engine.close()


async def test_flash_attention_where_it_cannot_run_fails_the_start_naming_the_setting(
    tiny_judge: Path,
) -> None:
    sys.modules.pop("flash_attn", None)
    engine = TransformersEngine(str(tiny_judge), attn_implementation="flash_attention_2")
    with pytest.raises(AttentionUnavailable, match=r"REWARD_SERVER_ATTN_IMPLEMENTATION.*no CUDA device"):
        await engine.start()
    assert not engine.ready
