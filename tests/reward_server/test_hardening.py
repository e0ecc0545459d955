"""Hostile clients against the real server over HTTP: open doors, slow and vanishing clients,
noisy neighbours, admission at the limits, and inputs that once froze the event loop."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from PIL import Image
from reward_server.scorers.thinking.rules import judge_trace

from benchmarks.outcome_workload import slow_item
from tests.servers import RunningServer, start_server

KEY = "hardening-key-0123456789"
Item = dict[str, Any]


def item(item_id: str, answer: str, truth: str, **extra: object) -> Item:
    return {
        "id": item_id,
        "response": f"<think>t</think><answer>{answer}</answer>",
        "ground_truth": truth,
        **extra,
    }


def symbolic(item_id: str, k: int = 2) -> Item:
    """Needs a worker: no fast path decides it."""
    return item(item_id, f"x^2 + {2 * k}x + {k * k}", f"(x+{k})^2")


def metric(server: RunningServer, prefix: str) -> float:
    total = 0.0
    for line in server.client.get("/metrics").text.splitlines():
        if line.startswith(prefix):
            total += float(line.split()[-1])
    return total


def error_type(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return str(body["error"]["type"])


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("locked"),
        "--verifier-workers",
        "1",
        api_key=KEY,
        env={"REWARD_SERVER_HEADER_READ_TIMEOUT_S": "0.5", "REWARD_SERVER_BODY_READ_TIMEOUT_S": "0.5"},
    )
    yield server
    server.stop()


# --- doors


def test_probes_answer_head_and_get_without_a_key(locked: RunningServer) -> None:
    for method in ("GET", "HEAD"):
        for path in ("/healthz", "/readyz"):
            assert httpx.request(method, locked.url + path).status_code == 200, (method, path)


def test_a_wrong_method_is_405_with_allow(locked: RunningServer) -> None:
    response = locked.client.get("/score")
    assert response.status_code == 405
    assert error_type(response) == "method_not_allowed"
    assert response.headers["allow"] == "POST"
    assert set(httpx.put(locked.url + "/healthz").headers["allow"].split(", ")) == {"GET", "HEAD"}


def test_a_trailing_slash_is_not_redirected(locked: RunningServer) -> None:
    response = locked.client.post("/score/", json={"items": [item("a", "1", "1")]}, headers={"host": "evil"})
    assert response.status_code == 404
    assert "location" not in response.headers


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_only_json_bodies_are_read(locked: RunningServer, content_type: str | None) -> None:
    """A web page can post text/plain or a form to a local server without a CORS preflight."""
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps({"items": [item("a", "1", "1")]}).encode()
    request = locked.client.build_request("POST", "/score", content=body, headers=headers)
    if content_type is None:
        request.headers.pop("content-type", None)
    response = locked.client.send(request)
    assert response.status_code == 415
    assert error_type(response) == "unsupported_media_type"


def test_openapi_states_the_bearer_scheme_and_the_errors(locked: RunningServer) -> None:
    document = locked.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    score = document["paths"]["/score"]["post"]
    assert {"401", "408", "413", "415", "422", "429", "503"} <= set(score["responses"])
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_a_refusal_does_not_echo_a_huge_key(rules_server: RunningServer) -> None:
    body = '{"items":[{"id":"a","response":"x","' + "k" * 1_000_000 + '":0}]}'
    response = rules_server.client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert len(response.content) < 2_000


# --- slow and vanishing clients


def _raw(server: RunningServer, data: bytes, *, close: bool = False) -> bytes:
    """Send `data` on a fresh connection; what the server says until it closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(data)
        if close:
            return b""
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def _one_response(sock: socket.socket) -> bytes:
    """Exactly one response (head and content-length body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_request_head_that_never_ends_is_closed(locked: RunningServer) -> None:
    answer = _raw(locked, b"POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: app")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"request_timeout"' in answer
    assert locked.client.get("/healthz").status_code == 200


def test_a_body_that_never_ends_is_408_and_the_connection_closes(locked: RunningServer) -> None:
    head = (
        "POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {KEY}\r\ncontent-length: 1000\r\n\r\n"
    )
    answer = _raw(locked, head.encode() + b'{"items": [')
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"request_timeout"' in answer


def test_stray_bytes_after_a_response_do_not_hold_the_connection(locked: RunningServer) -> None:
    """uvicorn's keep-alive timer stops at the first byte; a bare CRLF used to keep it open forever."""
    with socket.create_connection(("127.0.0.1", locked.port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        assert _one_response(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"\r\n")  # after the answer: this stopped uvicorn's keep-alive timer
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
    assert rest.startswith(b"HTTP/1.1 408 ")


@pytest.mark.parametrize("expect_continue", [False, True])
def test_an_answer_before_the_body_closes_the_connection(
    locked: RunningServer, expect_continue: bool
) -> None:
    """A 401 sent before the body arrived: the rest of the stream is no request boundary (with
    `Expect: 100-continue` the client never sends that body, and its next request was swallowed)."""
    head = "POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n"
    if expect_continue:
        head += "expect: 100-continue\r\n"
    with socket.create_connection(("127.0.0.1", locked.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + (b"" if expect_continue else b'{"items"'))
        assert _one_response(sock).startswith(b"HTTP/1.1 401 ")
        # What a client sends next: its next request (it skipped the body), or the rest of the body.
        follow_up = b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n" if expect_continue else b" " * 50
        with contextlib.suppress(OSError):
            sock.sendall(follow_up)
        try:
            rest = sock.recv(65536)
        except ConnectionResetError:  # closed with the follow-up unread
            rest = b""
        assert rest == b""  # closed: before, the connection stayed open, desynchronised


def test_a_pipelined_head_does_not_time_out_a_running_request(tmp_path: Path) -> None:
    server = start_server(
        tmp_path,
        "--verifier-workers",
        "1",
        env={"REWARD_SERVER_HEADER_READ_TIMEOUT_S": "0.5", "REWARD_SERVER_ADDED_LATENCY_MS": "2000"},
    )
    try:
        body = json.dumps({"items": [item("a", "1", "1")]}).encode()
        first = (
            f"POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode() + body
        answer = _raw(server, first + b"GET /healthz HTTP/1.1\r\nho")
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    finally:
        server.stop()


def test_a_pipelining_client_that_leaves_is_noticed(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--verifier-workers", "1", env={"REWARD_SERVER_ADDED_LATENCY_MS": "1000"})
    try:
        body = json.dumps({"items": [item("a", "1", "1")]}).encode()
        request = (
            f"POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode() + body
        _raw(server, request * 2, close=True)
        deadline = time.monotonic() + 30
        while metric(server, 'reward_requests_total{scorer="outcome",status="499"}') < 1:
            assert time.monotonic() < deadline, server.log()[-2000:]
            time.sleep(0.05)
        time.sleep(1.5)
        assert "unhandled error" not in server.log()
        assert "Exception in ASGI application" not in server.log()
    finally:
        server.stop()


def test_a_client_gone_mid_upload_is_counted_not_logged_as_an_error(locked: RunningServer) -> None:
    before = metric(locked, 'reward_requests_total{scorer="outcome",status="499"}')
    head = (
        "POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {KEY}\r\ncontent-length: 100000\r\n\r\n"
    )
    _raw(locked, head.encode() + b'{"items": [' + b" " * 5000, close=True)
    deadline = time.monotonic() + 30
    while metric(locked, 'reward_requests_total{scorer="outcome",status="499"}') == before:
        assert time.monotonic() < deadline, locked.log()[-2000:]
        time.sleep(0.05)
    assert metric(locked, 'reward_requests_total{scorer="outcome",status="500"}') == 0
    assert "unhandled error" not in locked.log()


def test_work_for_a_disconnected_client_is_cancelled(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--verifier-workers", "1", "--item-timeout-s", "0.5")
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                server.url + "/score", json={"items": [slow_item(f"s{n}", n) for n in range(20)]}, timeout=0.3
            )
        # Another client is served, and the 19 slow items still queued are never graded: without
        # the cancellation each would hold the worker for its 0.5 s limit, one after the other.
        assert server.score([symbolic("after")])["results"][0]["status"] == "ok"
        time.sleep(4)
        assert metric(server, "reward_worker_restarts_total") <= 2
        assert metric(server, 'reward_requests_total{scorer="outcome",status="499"}') == 1
    finally:
        server.stop()


# --- noisy neighbours and timeouts


def test_one_clients_slow_items_do_not_starve_another_client(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--verifier-workers", "2", "--item-timeout-s", "1")
    try:
        noisy = server.score_in_background([slow_item(f"s{n}", n) for n in range(40)], deadline_ms=30_000)
        time.sleep(0.5)  # both workers now hold slow items, 38 more are queued behind them
        # Served first-come-first-served, this item would wait for 38 more slow items (~20 s).
        response = server.client.post("/score", json={"items": [symbolic("quiet")], "deadline_ms": 10_000})
        assert response.json()["results"][0]["status"] == "ok"
        noisy.join(timeout=60)
    finally:
        server.stop()


def test_a_big_request_of_slow_items_does_not_hold_the_batches_against_another(tmp_path: Path) -> None:
    """The pool is fair only if the batcher hands it the work: batches full of one request's slow
    items used to take every batch slot, and another request waited in the batcher's queue."""
    server = start_server(
        tmp_path,
        "--verifier-workers",
        "1",
        "--item-timeout-s",
        "0.3",
        "--max-batch-items",
        "4",
        env={"REWARD_SERVER_MAX_CONCURRENT_BATCHES": "1"},
    )
    try:
        noisy = server.score_in_background([slow_item(f"s{n}", n) for n in range(16)])
        time.sleep(0.5)
        response = server.client.post("/score", json={"items": [symbolic("quiet")], "deadline_ms": 3_000})
        assert response.json()["results"][0]["status"] == "ok"
        noisy.join(timeout=60)
    finally:
        server.stop()


def test_an_item_that_hit_the_limit_is_not_graded_again(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--verifier-workers", "1", "--item-timeout-s", "0.3")
    try:
        first = server.score([slow_item("a")])["results"][0]
        assert first["status"] == "timeout"
        again = server.score([slow_item("b")])["results"][0]
        assert again["status"] == "timeout"
        assert "earlier try" in again["error"]
        assert metric(server, "reward_worker_restarts_total") == 1
        assert metric(server, "reward_remembered_timeouts_total") == 1
    finally:
        server.stop()


def test_a_worker_that_died_while_idle_does_not_fail_the_next_item(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--verifier-workers", "1")
    try:
        (pid,) = _worker_pids(server)
        worker = psutil.Process(pid)
        os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
        result = server.score([symbolic("innocent")])["results"][0]
        assert result["status"] == "ok", result
        assert metric(server, 'reward_worker_restarts_total{reason="crash_idle"') == 1
    finally:
        server.stop()


def _worker_pids(server: RunningServer) -> list[int]:
    """The verifier workers: the forkserver's children that are not the resource tracker."""
    pids = []
    for child in server.descendants():
        try:
            parent = child.parent()
            if parent is not None and parent.pid != server.process.pid:
                pids.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return pids


# --- admission and bounds


@pytest.mark.slow
def test_a_request_within_the_limits_is_never_told_to_retry_on_an_idle_server(
    rules_server: RunningServer,
) -> None:
    """2,200 items of 16 KB (35 MB) were a 429 with Retry-After: a request that could never fit."""
    trace = "<think>" + "3*4 = 12. " * 1600 + "</think><answer>12</answer>"
    items = [{"id": str(n), "response": trace[:16_000] + f" {n}"} for n in range(2200)]
    response = rules_server.client.post("/score", json={"items": items}, timeout=300)
    assert response.status_code == 200, response.text[:500]
    assert {r["status"] for r in response.json()["results"]} == {"ok"}


def test_count_limits_are_enforced_while_parsing(rules_server: RunningServer) -> None:
    too_many_choices = {"id": "c", "response": "r", "choices": {f"k{n}": "x" for n in range(27)}}
    too_many_images = {"id": "i", "response": "r", "images": ["data:image/png;base64,"] * 9}
    for bad in (too_many_choices, too_many_images):
        response = rules_server.client.post("/score", json={"items": [bad]})
        assert response.status_code == 422
        assert "at most" in response.json()["error"]["message"]
    many = rules_server.client.post(
        "/score", json={"items": [{"id": str(n), "response": ""} for n in range(5000)]}
    )
    assert many.status_code == 413
    assert error_type(many) == "payload_too_large"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("a million tiny items", 413),
        ("two million choices", 422),
        ("400,000 unknown keys", 422),
        ("repeated keys", 200),
        ("commas in long responses", 200),
    ],
)
def test_bodies_too_complex_for_the_loop_are_parsed_elsewhere_first(
    rules_server: RunningServer, name: str, status: int
) -> None:
    """Parsing such bodies held the event loop for seconds before they were refused."""
    if name == "a million tiny items":
        body = json.dumps({"items": [{"id": "1", "response": ""}] * 1_000_000})
    elif name == "two million choices":
        choices = {f"k{n}": "x" for n in range(2_000_000)}
        body = json.dumps({"items": [{"id": "c", "response": "r", "choices": choices}]})
    elif name == "400,000 unknown keys":  # one error each: building them all held the loop
        unknown = ",".join(f'"k{n}":0' for n in range(400_000))
        body = '{"items":[{"id":"a","response":"x",' + unknown + "}]}"
    elif name == "repeated keys":  # valid JSON (the last one wins), but each copy is parsed
        body = "{" + '"items":[{"id":"a","response":"x"}],' * 300_000 + '"deadline_ms":60000}'
    else:  # within every limit, but its commas make the cheap count look hostile
        body = json.dumps({"items": [{"id": str(n), "response": "1+1 = 2, " * 5000} for n in range(100)]})

    def attack() -> httpx.Response:
        return rules_server.client.post(
            "/score", content=body, headers={"content-type": "application/json"}, timeout=120
        )

    response = _while_healthy(rules_server, attack, expect=status)
    if status == 200:
        assert {r["status"] for r in response.json()["results"]} == {"ok"}


def _png(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_an_image_declaring_too_many_pixels_is_refused(rules_server: RunningServer) -> None:
    bomb = _png(12_000, 12_000)  # 144 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    items = [
        {"id": "bomb", "question": "q", "response": "<think>2*3 = 6</think>", "images": [bomb]},
        {"id": "fine", "question": "q", "response": "<think>2*3 = 6</think>", "images": [_png(64, 64)]},
    ]
    results = {r["id"]: r for r in rules_server.score(items)["results"]}
    assert results["bomb"]["status"] == "invalid"
    assert "pixels" in results["bomb"]["error"]
    assert results["fine"]["status"] == "ok"


def test_a_question_over_its_limit_is_an_invalid_item(rules_server: RunningServer) -> None:
    results = rules_server.score(
        [{"id": "q", "question": "x" * 100_001, "response": "<think>1+1 = 2</think>"}]
    )
    assert results["results"][0]["status"] == "invalid"


def test_a_nul_byte_cannot_plant_another_callers_score(rules_server: RunningServer) -> None:
    """Fields were joined with NUL for the cache key: these two items shared a key."""
    planted = {"id": "a", "question": "Q\x002+2 = 4", "response": "2+2 = 5"}
    victim = {"id": "b", "question": "Q", "response": "2+2 = 4\x002+2 = 5"}
    first = rules_server.score([planted])["results"][0]
    second = rules_server.score([victim])["results"][0]
    assert first["score"] == 0.0
    # the victim gets its own score (one right step, one wrong), not the planted 0
    assert second["score"] == judge_trace(victim["response"], victim["question"]).score > 0.0


# --- inputs that froze the event loop


def _while_healthy(
    server: RunningServer, attack: Callable[[], httpx.Response], *, expect: int = 200
) -> httpx.Response:
    """Run `attack` while another thread keeps asking /healthz; every probe must be answered."""
    done = threading.Event()
    probes: list[int] = []

    def probe() -> None:
        while not done.is_set():
            probes.append(httpx.get(server.url + "/healthz", timeout=5).status_code)
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        response = attack()
    finally:
        done.set()
        prober.join()
    assert probes
    assert set(probes) == {200}
    assert response.status_code == expect, response.text[:300]
    return response


@pytest.mark.slow
def test_unclosed_exponent_groups_do_not_freeze_the_verifier(outcome_server: RunningServer) -> None:
    truth = "x^{a)" * 2000  # 10,000 characters: the ground-truth limit
    items = [item(f"t{n}", "1", truth) for n in range(30)] + [
        item(f"a{n}", "x^{a)" * 200, "1") for n in range(100)
    ]

    def attack() -> httpx.Response:
        return outcome_server.client.post("/score", json={"items": items}, timeout=120)

    results = _while_healthy(outcome_server, attack).json()["results"]
    assert len(results) == 130
    assert all(r["status"] in ("ok", "invalid", "timeout") for r in results)


@pytest.mark.slow
def test_long_boxed_answers_do_not_freeze_the_verifier(outcome_server: RunningServer) -> None:
    answer = "\\boxed{1}" * 11_000  # 99 KB
    items = [item(f"b{n}", answer, "1") for n in range(20)]

    def attack() -> httpx.Response:
        return outcome_server.client.post("/score", json={"items": items}, timeout=120)

    results = _while_healthy(outcome_server, attack).json()["results"]
    assert [r["status"] for r in results] == ["ok"] * 20
    assert all(r["score"] == 1.0 for r in results)  # the same value boxed many times is one answer


@pytest.mark.slow
def test_long_whitespace_does_not_freeze_the_rules_server(rules_server: RunningServer) -> None:
    response = "<think>" + " " * 99_000 + "2*3 = 6</think><answer>6</answer>"
    items = [{"id": str(n), "response": response} for n in range(20)]

    def attack() -> httpx.Response:
        return rules_server.client.post("/score", json={"items": items}, timeout=120)

    results = _while_healthy(rules_server, attack).json()["results"]
    assert [r["score"] for r in results] == [1.0] * 20


# --- shutdown


@pytest.mark.slow
def test_sigterm_answers_every_accepted_request_with_a_status_per_item(tmp_path: Path) -> None:
    """13 requests of 200 items, some slow, and a drain too short for them: every request gets its
    JSON answer, the finished items keep their scores, the rest are `timeout`."""
    server = start_server(tmp_path, "--verifier-workers", "1", env={"REWARD_SERVER_SHUTDOWN_TIMEOUT_S": "2"})
    answers: dict[int, httpx.Response] = {}

    def send(n: int) -> None:
        items = [item(f"{n}-{k}", str(k), str(k)) for k in range(195)]
        items += [symbolic(f"{n}-sym{k}", k + 2) for k in range(3)] + [
            slow_item(f"{n}-slow{k}", 10 * n + k) for k in range(2)
        ]
        answers[n] = httpx.post(server.url + "/score", json={"items": items}, timeout=60)

    senders = [threading.Thread(target=send, args=(n,)) for n in range(13)]
    for sender in senders:
        sender.start()
    time.sleep(1.5)
    server.process.terminate()
    for sender in senders:
        sender.join(timeout=60)
    assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
    assert len(answers) == 13
    for n, response in answers.items():
        assert response.status_code == 200, response.text[:300]
        results = {r["id"]: r for r in response.json()["results"]}
        assert len(results) == 200
        assert all(results[f"{n}-{k}"]["score"] == 1.0 for k in range(195))  # decided before the drain
        assert {r["status"] for r in results.values()} <= {"ok", "timeout"}
    assert "Cancel" not in server.log()  # uvicorn never had to cancel a request


@pytest.mark.slow
def test_sigterm_waits_for_requests_not_yet_queued(tmp_path: Path) -> None:
    """A request still before the queue (here: its added latency) is answered, not cancelled."""
    server = start_server(tmp_path, "--verifier-workers", "1", env={"REWARD_SERVER_ADDED_LATENCY_MS": "3000"})
    answer: dict[str, httpx.Response] = {}
    sender = threading.Thread(
        target=lambda: answer.update(
            r=httpx.post(server.url + "/score", json={"items": [item("a", "1", "1")]}, timeout=60)
        )
    )
    sender.start()
    time.sleep(1)
    server.process.terminate()
    sender.join(timeout=60)
    server.process.wait(timeout=60)
    assert answer["r"].status_code == 200
    assert answer["r"].json()["results"][0]["score"] == 1.0


# --- secrets


def _refused(tmp_path: Path, *args: str, env: dict[str, str]) -> str:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "reward_server", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("key", "message"), [("", "is empty"), ("change-me", "placeholder"), ("short-key", "at least 16")]
)
def test_a_weak_key_refuses_to_start(tmp_path: Path, key: str, message: str) -> None:
    stderr = _refused(tmp_path, env={"REWARD_SERVER_API_KEY": key})
    assert message in stderr
    if key:
        assert key not in stderr.replace(message, "")  # the refused key is not printed back


def test_a_public_address_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    stderr = _refused(tmp_path, "--host", "0.0.0.0", env={})
    assert "REWARD_SERVER_ALLOW_UNAUTHENTICATED" in stderr


def test_the_key_is_not_taken_on_the_command_line(tmp_path: Path) -> None:
    refusal = _refused(tmp_path, "--api-key", KEY, env={})
    assert "is not a flag" in refusal
    assert KEY not in refusal


def test_a_key_with_a_trailing_newline_is_the_key(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--verifier-workers", "1", env={"REWARD_SERVER_API_KEY": KEY + "\n"})
    try:
        assert httpx.get(server.url + "/info", headers={"authorization": f"Bearer {KEY}"}).status_code == 200
    finally:
        server.stop()


def test_a_key_with_whitespace_inside_refuses_to_start(tmp_path: Path) -> None:
    assert "whitespace" in _refused(tmp_path, env={"REWARD_SERVER_API_KEY": "two words-0123456789"})


def test_the_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    server = start_server(tmp_path, "--verifier-workers", "1", "--api-key-file", str(key_file))
    try:
        assert httpx.get(server.url + "/info").status_code == 401
        assert httpx.get(server.url + "/info", headers={"authorization": f"Bearer {KEY}"}).status_code == 200
    finally:
        server.stop()
