"""The real server as a process over HTTP: real worker pools under load, fairness, limits and
time limits (the cheap cases run in process: test_app_in_process.py)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from benchmarks.outcome_workload import mixed_items, power_towers, slow_item
from tests.servers import RunningServer, start_server

KEY = "test-key-0123456789abcdef"
# The in-process server lives as long as the module: its tests share one event loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")


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
