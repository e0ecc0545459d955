"""The real server over HTTP: the contract, error envelopes, limits, auth, probes and metrics."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.outcome_workload import mixed_items, power_towers, slow_item
from tests.design import SERVER_METRICS
from tests.servers import RunningServer, start_server

KEY = "test-key-0123456789abcdef"


def item(item_id: str, answer: str, truth: str, **extra: object) -> dict[str, object]:
    return {
        "id": item_id,
        "response": f"<think>t</think><answer>{answer}</answer>",
        "ground_truth": truth,
        **extra,
    }


def error_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "message"}
    assert body["error"]["message"]
    return dict(body["error"])


@pytest.fixture
def client(outcome_server: RunningServer) -> httpx.Client:
    return outcome_server.client


def test_the_readme_curl_example(client: httpx.Client) -> None:
    body = (
        '{"items":[{"id":"a","response":"<think>half</think><answer>0.5</answer>",'
        '"ground_truth":"\\\\frac{1}{2}"}]}'
    )
    response = client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert (result["id"], result["status"], result["score"]) == ("a", "ok", 1.0)


def test_v1_route_and_response_envelope(client: httpx.Client) -> None:
    response = client.post("/v1/score", json={"items": [item("x", "4", "4")]})
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


def test_results_keep_the_request_order_and_ids(client: httpx.Client) -> None:
    ids = ["zeta", "alpha", "mid", "0", "Z9"]
    response = client.post("/score", json={"items": [item(i, "1", "1") for i in ids]})
    assert [r["id"] for r in response.json()["results"]] == ids


def test_malformed_json_is_400(client: httpx.Client) -> None:
    response = client.post("/score", content=b'{"items": [', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["type"] == "malformed_json"


def test_invalid_utf8_is_400(client: httpx.Client) -> None:
    body = b'{"items":[{"id":"a","response":"\xff\xfe bad","ground_truth":"1"}]}'
    response = client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["type"] == "malformed_json"


def test_unknown_field_is_422(client: httpx.Client) -> None:
    response = client.post("/score", json={"items": [{**item("a", "1", "1"), "reward": 1}]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["type"] == "invalid_request"
    assert "reward" in error["message"]


def test_missing_response_is_422(client: httpx.Client) -> None:
    response = client.post("/score", json={"items": [{"id": "a", "ground_truth": "1"}]})
    assert response.status_code == 422
    assert "response" in error_of(response)["message"]


def test_duplicate_ids_are_422(client: httpx.Client) -> None:
    response = client.post("/score", json={"items": [item("a", "1", "1"), item("a", "2", "2")]})
    assert response.status_code == 422
    assert "duplicate" in error_of(response)["message"]


def test_ten_thousand_items_is_413(client: httpx.Client) -> None:
    items = [item(str(n), "1", "1") for n in range(10_000)]
    response = client.post("/score", json={"items": items})
    assert response.status_code == 413
    assert error_of(response)["type"] == "payload_too_large"


def test_a_five_megabyte_response_is_an_invalid_item_not_a_failed_request(client: httpx.Client) -> None:
    huge = "<think>" + "x" * 5_000_000 + "</think><answer>1</answer>"
    response = client.post(
        "/score", json={"items": [{"id": "big", "response": huge, "ground_truth": "1"}, item("ok", "2", "2")]}
    )
    assert response.status_code == 200
    big, ok = response.json()["results"]
    assert big["status"] == "invalid"
    assert "characters" in big["error"]
    assert "score" not in big
    assert ok["status"] == "ok"


def test_missing_ground_truth_is_an_invalid_item(client: httpx.Client) -> None:
    response = client.post("/score", json={"items": [{"id": "a", "response": "<answer>1</answer>"}]})
    (result,) = response.json()["results"]
    assert result["status"] == "invalid"
    assert "ground_truth" in result["error"]


def test_unknown_route_uses_the_envelope(client: httpx.Client) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert error_of(response)["type"] == "not_found"


HOSTILE = ["9^9^9^9^9", "10**10**10**10", "\\frac{1}{0}", "{" * 2000 + "1" + "}" * 2000]


def test_hostile_answers_get_a_status_and_nothing_else_breaks(outcome_server: RunningServer) -> None:
    workers_before = {p.pid for p in outcome_server.descendants()}
    items = [item(f"h{n}", answer, "1") for n, answer in enumerate(HOSTILE)]
    items += [item(f"t{n}", "1", answer) for n, answer in enumerate(HOSTILE)]
    results = {r["id"]: r for r in outcome_server.score(items)["results"]}
    assert set(results) == {i["id"] for i in items}
    assert results["h0"]["status"] == results["h1"]["status"] == results["h3"]["status"] == "invalid"
    assert (results["h2"]["status"], results["h2"]["score"]) == ("ok", 0.0)
    assert results["h2"]["details"]["reason"] == "undefined_value"
    assert all(results[f"t{n}"]["status"] == "invalid" for n in range(len(HOSTILE)))
    assert all("score" not in r for r in results.values() if r["status"] != "ok")
    # Still answering, with the same worker processes (nothing leaked, nothing killed).
    assert outcome_server.score([item("after", "3", "3")])["results"][0]["score"] == 1.0
    assert {p.pid for p in outcome_server.descendants()} == workers_before


def test_power_towers_do_not_hold_back_normal_items(outcome_server: RunningServer) -> None:
    normal = mixed_items(100, seed=7, prefix="normal")
    towers = power_towers(5)
    results = {r["id"]: r for r in outcome_server.score(normal + towers)["results"]}
    assert len(results) == 105
    assert all(results[i["id"]]["status"] == "ok" for i in normal)
    assert all(results[t["id"]]["status"] in ("invalid", "timeout") for t in towers)


def test_a_slow_item_does_not_hold_back_another_clients_items(server_dir: Path) -> None:
    """Client A's item takes seconds of sympy; client B's items land in the same batch (a long
    batching window makes sure of it) and still come back first: results are released per
    item, not per batch."""
    server = start_server(server_dir, "--max-wait-ms", "600", "--verifier-workers", "2")
    finished: list[str] = []

    def send(name: str, items: list[dict[str, object]]) -> None:
        response = httpx.post(f"{server.url}/score", json={"items": items}, timeout=60)
        assert response.status_code == 200
        finished.append(name)

    try:
        slow = threading.Thread(target=send, args=("A", [slow_item("a-slow"), item("a-fast", "1", "1")]))
        slow.start()
        time.sleep(0.1)
        send("B", [item(f"b{k}", f"\\sqrt{{{k * k}}}", str(k)) for k in range(2, 8)])
        # B is answered while A's slow item is still inside its worker (not yet timed out).
        assert "reward_worker_restarts_total{" not in server.client.get("/metrics").text
        slow.join(timeout=60)
        assert finished == ["B", "A"]
        metrics = server.client.get("/metrics").text
        assert 'reward_batch_size_items_count{scorer="outcome"} 1.0' in metrics  # one shared batch
        assert 'reward_worker_restarts_total{reason="timeout",scorer="outcome"} 1.0' in metrics
    finally:
        server.stop()


def test_short_deadline_gives_timeout_not_zero(client: httpx.Client) -> None:
    response = client.post(
        # symbolic, so it needs a worker (answers the server process can decide come back at once)
        "/score",
        json={"items": [item("late", "x^2 + 2x + 1", "(x+1)^2")], "deadline_ms": 1},
    )
    (result,) = response.json()["results"]
    assert result["status"] == "timeout"
    assert "score" not in result


def test_repeated_items_hit_the_cache(outcome_server: RunningServer) -> None:
    def hits() -> float:
        text = outcome_server.client.get("/metrics").text
        line = next(x for x in text.splitlines() if x.startswith("reward_cache_hits_total"))
        return float(line.split()[-1])

    before = hits()
    # symbolic: the items the server process decides at once are not cached (nothing to save)
    outcome_server.score([item("c1", "(y+2)^2", "y^2 + 4y + 4")])
    second = outcome_server.score([item("c2", "(y+2)^2", "y^2 + 4y + 4")])["results"][0]
    assert second["id"] == "c2"
    assert second["score"] == 1.0
    assert hits() == before + 1


def test_probes_and_info(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
    info = client.get("/info").json()
    assert info["scorer"] == "outcome"
    assert info["limits"]["max_items_per_request"] == 4096
    assert info["limits"]["per_item_timeout_s"] == 2.0
    assert client.get("/openapi.json").json()["paths"]["/score"]


def test_metrics_use_the_design_names(outcome_server: RunningServer) -> None:
    outcome_server.score([item("m", "1", "1")])
    text = outcome_server.client.get("/metrics").text
    for name in SERVER_METRICS:
        assert f"\n{name}" in text or text.startswith(name), name
    assert 'reward_requests_total{scorer="outcome",status="200"}' in text
    assert 'reward_items_total{scorer="outcome",status="ok"}' in text


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(tmp_path_factory.mktemp("locked"), "--verifier-workers", "1", api_key=KEY)
    yield server
    server.stop()


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": KEY}])
def test_api_key_is_required(locked_server: RunningServer, headers: dict[str, str]) -> None:
    for method, path in [
        ("POST", "/score"),
        ("GET", "/info"),
        ("GET", "/metrics"),
        ("GET", "/no-such-route"),
        ("GET", "/openapi.json"),
        ("POST", "/score/"),  # no redirect (it would answer before authentication)
    ]:
        response = httpx.request(method, locked_server.url + path, headers=headers, json={"items": []})
        assert response.status_code == 401, path
        assert error_of(response)["type"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_probes_need_no_key(locked_server: RunningServer) -> None:
    assert httpx.get(locked_server.url + "/healthz").status_code == 200
    assert httpx.get(locked_server.url + "/readyz").status_code == 200


def test_the_right_key_is_accepted(locked_server: RunningServer) -> None:
    assert locked_server.score([item("a", "2", "2")])["results"][0]["score"] == 1.0


def test_queue_full_is_429_with_retry_after(server_dir: Path) -> None:
    server = start_server(
        server_dir,
        "--verifier-workers",
        "1",
        "--max-queue-items",
        "5",
        "--max-items-per-request",
        "5",
        "--max-batch-items",
        "1",
        env={"REWARD_SERVER_MAX_CONCURRENT_BATCHES": "1"},
    )
    try:
        # One slow item holds the only batch slot; four more wait in the queue.
        busy = server.score_in_background([slow_item(f"slow{n}", n) for n in range(5)])
        time.sleep(0.5)
        more = [item(f"m{n}", f"x^2 + {2 * n}x + {n * n}", f"(x+{n})^2") for n in range(2, 4)]
        response = server.client.post("/score", json={"items": more})
        busy.join(timeout=60)
        assert response.status_code == 429
        assert error_of(response)["type"] == "queue_full"
        assert int(response.headers["retry-after"]) >= 1
        assert server.score([item("fits", "1", "1")])["results"][0]["status"] == "ok"
    finally:
        server.stop()


def test_body_over_the_limit_is_413(server_dir: Path) -> None:
    server = start_server(server_dir, "--verifier-workers", "1", env={"REWARD_SERVER_MAX_BODY_BYTES": "2048"})
    try:
        body = json.dumps({"items": [item("a", "x" * 4000, "1")]})
        response = server.client.post("/score", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert error_of(response)["type"] == "payload_too_large"
    finally:
        server.stop()


def test_an_item_over_the_time_limit_times_out_alone(server_dir: Path) -> None:
    """Unscreened slow symbolic work: the parent kills the worker; the other items are graded."""
    server = start_server(server_dir, "--verifier-workers", "1", "--item-timeout-s", "0.1")
    try:
        slow = slow_item()
        normal = [item(f"n{k}", f"\\sqrt{{{k * k}}}", str(k)) for k in range(2, 12)]
        results = {r["id"]: r for r in server.score([slow, *normal])["results"]}
        assert results["slow"]["status"] == "timeout"
        assert "per-item limit" in results["slow"]["error"]
        assert all(results[n["id"]]["score"] == 1.0 for n in normal)
        metrics = server.client.get("/metrics").text
        assert 'reward_worker_restarts_total{reason="timeout",scorer="outcome"} 1.0' in metrics
    finally:
        server.stop()
