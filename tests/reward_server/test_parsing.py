"""The cheap structural bound that decides which bodies are parsed on the event loop."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from reward_server.errors import InvalidRequest, MalformedRequest, PayloadTooLarge
from reward_server.parsing import BodyParser, json_values_bound


def _values(document: Any) -> int:
    if isinstance(document, dict):
        return 1 + sum(_values(value) for value in document.values())
    if isinstance(document, list):
        return 1 + sum(_values(value) for value in document)
    return 1


def _random_document(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(6 if depth < 4 else 3)
    if kind == 0:
        return rng.choice(["", "a,b:c[d", '"quoted", [x]: {y}', "\\", "plain"])
    if kind == 1:
        return rng.choice([0, -1.5, 1e9, True, None])
    if kind == 2:
        return "x" * rng.randrange(5)
    if kind in (3, 4):
        return [_random_document(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {f"k{n},:[": _random_document(rng, depth + 1) for n in range(rng.randrange(5))}


def test_the_bound_is_never_below_the_number_of_values() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        document = _random_document(rng)
        for separators in ((",", ":"), (", ", ": ")):
            body = json.dumps(document, separators=separators).encode()
            assert json_values_bound(body) >= _values(document), body


def test_a_million_values_are_seen_without_parsing() -> None:
    body = json.dumps({"items": [{"id": "1", "response": ""}] * 1_000_000}).encode()
    assert json_values_bound(body) > 2_000_000


async def test_a_helper_that_died_is_replaced() -> None:
    parser = BodyParser(max_items=4, values_in_place=0)
    good = json.dumps({"items": [{"id": "a", "response": "r"}]}).encode()
    try:
        assert (await parser.parse(good)).items[0].id == "a"
        process = parser._helper._process
        assert process is not None
        process.kill()
        process.join()
        assert (await parser.parse(good)).items[0].id == "a"
    finally:
        parser.close()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"items": [', MalformedRequest),
        (json.dumps({"items": [{"id": str(n), "response": ""} for n in range(5)]}).encode(), PayloadTooLarge),
        (
            json.dumps(
                {"items": [{"id": "a", "response": "", "choices": {str(n): "x" for n in range(27)}}]}
            ).encode(),
            InvalidRequest,
        ),
    ],
)
async def test_errors_are_the_same_in_place_and_in_the_helper_process(
    body: bytes, error: type[Exception]
) -> None:
    in_place = BodyParser(max_items=4)
    elsewhere = BodyParser(max_items=4, values_in_place=0)  # every body goes through the helper
    try:
        for parser in (in_place, elsewhere):
            with pytest.raises(error):
                await parser.parse(body)
        good = json.dumps({"items": [{"id": "a", "response": "1,2,3"}]}).encode()
        assert (await elsewhere.parse(good)).items[0].response == "1,2,3"
    finally:
        elsewhere.close()
