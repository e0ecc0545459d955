"""The tiny model builders live in tools/tiny_models alone, as a typed package. Who may import it
(neither the services nor the trainer) and how long its functions may be: tests/test_architecture.py."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "tools" / "tiny_models" / "tiny_models"


def test_the_builders_left_the_services() -> None:
    assert not (REPO / "services" / "reward_server" / "reward_server" / "tiny_model.py").exists()
    assert not (REPO / "services" / "reward_server" / "reward_server" / "tiny_vl_model.py").exists()
    assert not (REPO / "services" / "trainer" / "trust_grpo" / "tiny_policy.py").exists()
    assert (PACKAGE / "py.typed").exists()
