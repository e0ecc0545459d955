"""`reward-server --scorer thinking --backend rules` over HTTP."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.servers import RunningServer, start_server

GOOD = (
    "<think>Each box holds 12 apples.\nThere are 3 boxes, so 12*3 = 36.\n"
    "Adding the 4 loose apples: 36 + 4 = 40.</think><answer>40</answer>"
)
ONE_WRONG_STEP = GOOD.replace("12*3 = 36", "12*3 = 38")
PADDED = GOOD.replace("Adding", "So 12*3 = 36.\nSo 12*3 = 36.\nSo 12*3 = 36.\nAdding")
CONTRADICTED = GOOD.replace("<answer>40", "<answer>41")


def png_data_uri(size: tuple[int, int] = (8, 8)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def thinking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("thinking"),
        "--scorer",
        "thinking",
        "--backend",
        "rules",
        env={"REWARD_SERVER_MAX_IMAGE_BYTES": "20000"},
    )
    yield server
    server.stop()


def scores(server: RunningServer, responses: dict[str, str]) -> dict[str, dict[str, object]]:
    items = [
        {"id": key, "question": "How many apples?", "response": value} for key, value in responses.items()
    ]
    return {result["id"]: result for result in server.score(items)["results"]}


def test_rules_judge_prefers_correct_concise_consistent_traces(thinking_server: RunningServer) -> None:
    results = scores(
        thinking_server,
        {
            "good": GOOD,
            "wrong": ONE_WRONG_STEP,
            "padded": PADDED,
            "contra": CONTRADICTED,
            "bare": "<think>I just know it.</think><answer>42</answer>",
        },
    )
    assert all(result["status"] == "ok" for result in results.values())
    good = results["good"]["score"]
    assert good > results["wrong"]["score"]
    assert good > results["padded"]["score"]
    assert good > results["contra"]["score"]
    # no steps to check earns nothing, so skipping the reasoning never pays
    assert results["bare"]["score"] == 0.0
    assert results["bare"]["score"] <= results["wrong"]["score"]
    assert results["good"]["details"] == {
        "raw": "equations 2/2 right, 0% repeated lines",
        "method": "rules",
        "truncated": False,
    }


def test_the_rules_server_starts_without_a_model(thinking_server: RunningServer) -> None:
    # Time to ready is reported, not asserted (noisy machines); docs/benchmarks.md has the numbers.
    print(f"thinking/rules server ready after {thinking_server.startup_s:.2f} s")
    assert thinking_server.client.get("/readyz").json() == {"status": "ok"}


def test_response_names_the_scorer_and_model(thinking_server: RunningServer) -> None:
    body = thinking_server.score([{"id": "a", "response": GOOD}])
    assert (body["scorer"], body["model"], body["model_version"]) == ("thinking", "rules", "rules-v3")


def test_a_png_data_uri_is_accepted(thinking_server: RunningServer) -> None:
    (result,) = thinking_server.score([{"id": "img", "response": GOOD, "images": [png_data_uri()]}])[
        "results"
    ]
    assert result["status"] == "ok"


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("https://example.com/cat.png", "remote URLs are not fetched"),
        (
            "data:image/png;base64," + base64.b64encode(b"not an image at all").decode(),
            "not a readable image",
        ),
        ("data:image/png;base64,@@@@", "not valid base64"),
        ("data:text/plain;base64,aGVsbG8=", "unsupported data URI"),
        (png_data_uri((400, 400)) + "A" * 40_000, "larger than"),
    ],
)
def test_bad_images_make_the_item_invalid(thinking_server: RunningServer, image: str, reason: str) -> None:
    results = thinking_server.score(
        [{"id": "bad", "response": GOOD, "images": [image]}, {"id": "fine", "response": GOOD}]
    )["results"]
    bad, fine = results
    assert bad["status"] == "invalid"
    assert reason in bad["error"]
    assert "score" not in bad
    assert fine["status"] == "ok"
