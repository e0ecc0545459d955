"""`--backend transformers` on the tiny judge through the real server, in both score modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reward_server.scorers.thinking.judging import assert_scored_or_error
from tests.servers import RunningServer, start_server

pytestmark = pytest.mark.slow

ITEMS = [
    {
        "id": f"i{n}",
        "question": "How many?",
        "group_id": "g",
        "response": f"<think>12*{n} = {12 * n + n % 2}</think><answer>{12 * n}</answer>",
    }
    for n in range(6)
]


@pytest.fixture(scope="module", params=["logprob", "parsed"])
def transformers_server(
    request: pytest.FixtureRequest, tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("transformers"),
        "--scorer",
        "thinking",
        "--backend",
        "transformers",
        "--model",
        str(tiny_judge),
        "--score-mode",
        request.param,
    )
    yield server
    server.stop()


def test_every_item_gets_a_score_or_an_explicit_error(transformers_server: RunningServer) -> None:
    body = transformers_server.score(ITEMS)
    mode = body["model_version"].rsplit("+", 1)[1]
    assert [r["id"] for r in body["results"]] == [i["id"] for i in ITEMS]
    assert_scored_or_error(body["results"], mode)
    if mode == "parsed":
        assert all("<answer>" in (r["details"].get("raw") or "") for r in body["results"])


def test_an_image_is_an_explicit_error_for_a_text_only_engine(transformers_server: RunningServer) -> None:
    from tests.reward_server.scorers.thinking.test_rules_server import GOOD, png_data_uri

    (result,) = transformers_server.score([{"id": "img", "response": GOOD, "images": [png_data_uri()]}])[
        "results"
    ]
    assert result["status"] == "error"
    assert "text only" in result["error"]
