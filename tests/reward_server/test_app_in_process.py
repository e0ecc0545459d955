"""The app in this process through `httpx.ASGITransport`: the contract, error envelopes, limits,
auth, probes and metrics (real scorers and worker pools; no socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from reward_server.config import Settings

from tests.design import SERVER_METRICS
from tests.reward_server.test_app import error_of, item
from tests.servers import in_process

KEY = "test-key-0123456789abcdef"
# The in-process servers live as long as the module: its tests share one event loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The outcome server in this process, through `httpx.ASGITransport` (no socket)."""
    async with in_process(Settings(verifier_workers=1)) as client:
        yield client


async def test_the_readme_curl_example(client: httpx.AsyncClient) -> None:
    body = (
        '{"items":[{"id":"a","response":"<think>half</think><answer>0.5</answer>",'
        '"ground_truth":"\\\\frac{1}{2}"}]}'
    )
    response = await client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert (result["id"], result["status"], result["score"]) == ("a", "ok", 1.0)


async def test_v1_route_and_response_envelope(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/score", json={"items": [item("x", "4", "4")]})
    body = response.json()
    assert response.status_code == 200
    assert body["scorer"] == "outcome"
    assert body["model"]
    assert body["model_version"]
    assert body["results"][0]["details"] == {
        "format_ok": True,
        "extracted": "4",
        "accuracy": 1.0,
        "reason": "equivalent",
    }


async def test_results_keep_the_request_order_and_ids(client: httpx.AsyncClient) -> None:
    ids = ["zeta", "alpha", "mid", "0", "Z9"]
    response = await client.post("/score", json={"items": [item(i, "1", "1") for i in ids]})
    assert [r["id"] for r in response.json()["results"]] == ids


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/score", content=b'{"items": [', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["type"] == "malformed_json"


async def test_invalid_utf8_is_400(client: httpx.AsyncClient) -> None:
    body = b'{"items":[{"id":"a","response":"\xff\xfe bad","ground_truth":"1"}]}'
    response = await client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["type"] == "malformed_json"


async def test_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/score", json={"items": [{**item("a", "1", "1"), "reward": 1}]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["type"] == "invalid_request"
    assert "reward" in error["message"]


async def test_missing_response_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/score", json={"items": [{"id": "a", "ground_truth": "1"}]})
    assert response.status_code == 422
    assert "response" in error_of(response)["message"]


async def test_duplicate_ids_are_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/score", json={"items": [item("a", "1", "1"), item("a", "2", "2")]})
    assert response.status_code == 422
    assert "duplicate" in error_of(response)["message"]


async def test_ten_thousand_items_is_413(client: httpx.AsyncClient) -> None:
    items = [item(str(n), "1", "1") for n in range(10_000)]
    response = await client.post("/score", json={"items": items})
    assert response.status_code == 413
    assert error_of(response)["type"] == "payload_too_large"


async def test_a_five_megabyte_response_is_an_invalid_item_not_a_failed_request(
    client: httpx.AsyncClient,
) -> None:
    huge = "<think>" + "x" * 5_000_000 + "</think><answer>1</answer>"
    response = await client.post(
        "/score", json={"items": [{"id": "big", "response": huge, "ground_truth": "1"}, item("ok", "2", "2")]}
    )
    assert response.status_code == 200
    big, ok = response.json()["results"]
    assert big["status"] == "invalid"
    assert "characters" in big["error"]
    assert "score" not in big
    assert ok["status"] == "ok"


async def test_missing_ground_truth_is_an_invalid_item(client: httpx.AsyncClient) -> None:
    response = await client.post("/score", json={"items": [{"id": "a", "response": "<answer>1</answer>"}]})
    (result,) = response.json()["results"]
    assert result["status"] == "invalid"
    assert "ground_truth" in result["error"]


async def test_unknown_route_uses_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert error_of(response)["type"] == "not_found"


async def test_short_deadline_gives_timeout_not_zero(client: httpx.AsyncClient) -> None:
    response = await client.post(
        # symbolic, so it needs a worker (answers the server process can decide come back at once)
        "/score",
        json={"items": [item("late", "x^2 + 2x + 1", "(x+1)^2")], "deadline_ms": 1},
    )
    (result,) = response.json()["results"]
    assert result["status"] == "timeout"
    assert "score" not in result


async def test_repeated_items_hit_the_cache(client: httpx.AsyncClient) -> None:
    async def hits() -> float:
        text = (await client.get("/metrics")).text
        line = next(x for x in text.splitlines() if x.startswith("reward_cache_hits_total"))
        return float(line.split()[-1])

    async def score(item_id: str) -> dict[str, object]:
        response = await client.post("/score", json={"items": [item(item_id, "(y+2)^2", "y^2 + 4y + 4")]})
        result: dict[str, object] = response.json()["results"][0]
        return result

    before = await hits()
    # symbolic: the items the server process decides at once are not cached (nothing to save)
    await score("c1")
    second = await score("c2")
    assert second["id"] == "c2"
    assert second["score"] == 1.0
    assert await hits() == before + 1


async def test_probes_and_info(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}
    info = (await client.get("/info")).json()
    assert info["scorer"] == "outcome"
    assert info["limits"]["max_items_per_request"] == 4096
    assert info["limits"]["per_item_timeout_s"] == 2.0
    assert (await client.get("/openapi.json")).json()["paths"]["/score"]


async def test_metrics_use_the_design_names(client: httpx.AsyncClient) -> None:
    await client.post("/score", json={"items": [item("m", "1", "1")]})
    text = (await client.get("/metrics")).text
    for name in SERVER_METRICS:
        assert f"\n{name}" in text or text.startswith(name), name
    assert 'reward_requests_total{scorer="outcome",status="200"}' in text
    assert 'reward_items_total{scorer="outcome",status="ok"}' in text


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def locked() -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(Settings(verifier_workers=1, api_key=KEY)) as client:
        yield client


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": KEY}])
async def test_api_key_is_required(locked: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for method, path in [
        ("POST", "/score"),
        ("GET", "/info"),
        ("GET", "/metrics"),
        ("GET", "/no-such-route"),
        ("GET", "/openapi.json"),
        ("POST", "/score/"),  # no redirect (it would answer before authentication)
    ]:
        response = await locked.request(method, path, headers=headers, json={"items": []})
        assert response.status_code == 401, path
        assert error_of(response)["type"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_probes_need_no_key(locked: httpx.AsyncClient) -> None:
    assert (await locked.get("/healthz")).status_code == 200
    assert (await locked.get("/readyz")).status_code == 200


async def test_the_right_key_is_accepted(locked: httpx.AsyncClient) -> None:
    response = await locked.post(
        "/score", json={"items": [item("a", "2", "2")]}, headers={"authorization": f"Bearer {KEY}"}
    )
    assert response.json()["results"][0]["score"] == 1.0


async def test_counters_alerts_rate_start_at_zero_and_the_queue_bounds_are_exported() -> None:
    """A series born at its first increment shows no rate(): the 429s, failed items and judge-directed
    kinds the alerts and panels rate exist at 0 before any traffic."""
    settings = Settings(
        scorer="thinking",
        backend="rules",
        max_items_per_request=64,
        max_queue_items=640,
        max_queue_tokens=1 << 25,
    )
    async with in_process(settings) as thinking:
        text = (await thinking.get("/metrics")).text
    for status in ("200", "400", "413", "422", "429", "503"):
        assert f'reward_requests_total{{scorer="thinking",status="{status}"}} 0.0' in text, status
    for status in ("ok", "invalid", "timeout", "error"):
        assert f'reward_items_total{{scorer="thinking",status="{status}"}} 0.0' in text, status
    for kind in ("addresses_judge", "score_tag", "chat_markup", "prompt_markup"):
        assert f'reward_judge_directed_total{{kind="{kind}",scorer="thinking"}} 0.0' in text, kind
    assert 'reward_queue_max_items{scorer="thinking"} 640.0' in text
    assert 'reward_queue_max_tokens{scorer="thinking"} 3.3554432e+07' in text
