"""Hostile requests, one at a time, each against a fresh server: does /healthz stay fast meanwhile?

    python -m benchmarks.bench_hostile                               # every attack, this tree's server
    python -m benchmarks.bench_hostile --only long_boxed             # one attack
    python -m benchmarks.bench_hostile --server-path /tmp/before --save before.json
    python -m benchmarks.bench_hostile --before before.json --markdown   # before/after table

Each attack starts `reward-server` on 127.0.0.1 (a free port), sends its request once (client
timeout 120 s) and, while it is in flight, a second thread sends `GET /healthz` every 20 ms. The
table shows the worst /healthz latency, the request's wall time, its HTTP status and what came
back. All traffic stays on the loopback interface; no API key is used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from benchmarks.load import LoadResult
from benchmarks.outcome_workload import slow_item
from tests.servers import start_server

app = typer.Typer(add_completion=False)
console = Console()

REQUEST_TIMEOUT_S = 120.0
PROBE_INTERVAL_S = 0.02
_JSON = {"content-type": "application/json"}
_OUTCOME = ("--scorer", "outcome")
_THINKING = ("--scorer", "thinking", "--backend", "rules")


@dataclass
class Sent:
    """What one attack request got back."""

    seconds: float
    status: str
    outcome: str


@dataclass
class Row:
    """One attack's line of the table."""

    attack: str
    worst_healthz_ms: float
    probes: int
    seconds: float
    status: str
    outcome: str


def _respond(answer: str) -> str:
    return f"<think>t</think><answer>{answer}</answer>"


def _request(items: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"items": items, **extra}).encode()


def _outcome(response: httpx.Response) -> str:
    """Item statuses of a 200 (`130 ok`), else the error type of the envelope."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:60]
    if response.status_code == 200:
        counts = LoadResult()
        counts.statuses.update(item["status"] for item in body["results"])
        scores = [item["score"] for item in body["results"] if item.get("score") is not None]
        return counts.note() + (f" (mean score {sum(scores) / len(scores):.2f})" if scores else "")
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("type")) if isinstance(error, dict) else str(body)[:60]


def post(url: str, body: bytes) -> Sent:
    """POST `body` to /score once (120 s client timeout); a client-side failure is an outcome too."""
    begin = time.perf_counter()
    try:
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as http:
            response = http.post("/score", content=body, headers=_JSON)
    except httpx.TimeoutException:
        return Sent(time.perf_counter() - begin, "-", f"client timeout at {REQUEST_TIMEOUT_S:g} s")
    except httpx.TransportError as exc:
        return Sent(time.perf_counter() - begin, "-", type(exc).__name__)
    return Sent(time.perf_counter() - begin, str(response.status_code), _outcome(response))


@dataclass(frozen=True)
class Attack:
    """A server configuration, a request body (built before the server starts) and how to send it."""

    name: str
    server_args: tuple[str, ...]
    body: Callable[[], bytes]
    send: Callable[[str, bytes], Sent] = post


class HealthProbe:
    """`GET /healthz` every 20 ms from a thread, from `__enter__` to `__exit__`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies_ms: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=REQUEST_TIMEOUT_S) as http:
            while not self._stop.is_set():
                begin = time.perf_counter()
                try:
                    http.get("/healthz").raise_for_status()
                except httpx.HTTPError:
                    self.failures += 1
                elapsed = time.perf_counter() - begin
                self.latencies_ms.append(elapsed * 1000)
                self._stop.wait(max(0.0, PROBE_INTERVAL_S - elapsed))


# --- the attacks


def _graded(prefix: str, count: int, answer: str, truth: str = "1") -> list[dict[str, Any]]:
    return [
        {"id": f"{prefix}-{n}", "response": _respond(answer), "ground_truth": truth} for n in range(count)
    ]


def unclosed_exponents() -> bytes:
    return _request(_graded("truth", 30, "1", truth="x^{a)" * 2000) + _graded("answer", 100, "x^{a)" * 200))


def long_boxed() -> bytes:
    return _request(_graded("boxed", 20, "\\boxed{1}" * 11000))


def dollar_run() -> bytes:
    return _request(_graded("dollar", 20, "$" * 99000 + "1" + "$" * 900))


def slow_items() -> bytes:
    """40 distinct items that no guard refuses, each seconds of sympy (`SLOW_ANSWER`, bound 800+n)."""
    return _request([slow_item(f"slow-{n}", n) for n in range(40)])


def slow_neighbour(url: str, body: bytes) -> Sent:
    """Client A sends the slow items; 0.5 s later client B sends one symbolic item (deadline 10 s)."""
    a: list[Sent] = []
    thread = threading.Thread(target=lambda: a.append(post(url, body)))
    thread.start()
    time.sleep(0.5)
    item = {"id": "b", "response": _respond("x^2 + 4x + 4"), "ground_truth": "(x+2)^2"}
    b = post(url, _request([item], deadline_ms=10_000))
    thread.join()
    neighbour = f"A: {a[0].status} {a[0].outcome} in {a[0].seconds:.1f} s"
    return Sent(b.seconds, b.status, f"B: {b.outcome}; {neighbour}")


def whitespace() -> bytes:
    response = "<think>" + " " * 99000 + "2*3 = 6</think><answer>6</answer>"
    return _request([{"id": f"space-{n}", "response": response} for n in range(20)])


def many_small_items() -> bytes:
    return _request([{"id": "1", "response": ""}] * 1_000_000)


def many_choices() -> bytes:
    choices = {f"o{n}": "x" for n in range(2_000_000)}
    return _request([{"id": "c", "response": "<think>2*3 = 6</think><answer>6</answer>", "choices": choices}])


def unknown_keys() -> bytes:
    """One item with 400,000 unknown keys: one validation error each (over the schema: 422)."""
    unknown = ",".join(f'"k{n}":0' for n in range(400_000))
    return ('{"items":[{"id":"a","response":"x",' + unknown + "}]}").encode()


def repeated_keys() -> bytes:
    """Valid JSON whose `items` key is repeated 300,000 times (the last one wins)."""
    return ("{" + '"items":[{"id":"a","response":"x"}],' * 300_000 + '"deadline_ms":60000}').encode()


def big_admission() -> bytes:
    """2,200 distinct 16 KB traces: 35 MB, inside the body, item and response limits."""
    items = []
    for n in range(2200):
        head, tail = f"<think>Trace {n}: ", "</think><answer>6</answer>"
        filler = ("2*3 = 6. " * 2000)[: 16 * 1024 - len(head) - len(tail)]
        items.append({"id": f"big-{n}", "response": head + filler + tail})
    return _request(items)


ATTACKS = [
    Attack("unclosed_exponents", _OUTCOME, unclosed_exponents),
    Attack("long_boxed", _OUTCOME, long_boxed),
    Attack("dollar_run", _OUTCOME, dollar_run),
    Attack(
        "slow_neighbour",
        (*_OUTCOME, "--verifier-workers", "2", "--item-timeout-s", "2"),
        slow_items,
        slow_neighbour,
    ),
    Attack("whitespace", _THINKING, whitespace),
    Attack("many_small_items", _THINKING, many_small_items),
    Attack("many_choices", _THINKING, many_choices),
    Attack("unknown_keys", _THINKING, unknown_keys),
    Attack("repeated_keys", _THINKING, repeated_keys),
    Attack("big_admission", _THINKING, big_admission),
]


def run_attack(attack: Attack, tmp: Path, env: dict[str, str]) -> Row:
    """Build the body first, then start a fresh server and send it with /healthz probed meanwhile."""
    body = attack.body()
    server = start_server(tmp, "--host", "127.0.0.1", *attack.server_args, env=env)
    try:
        with HealthProbe(server.url) as probe:
            sent = attack.send(server.url, body)
        if probe.failures:
            sent.outcome += f"; {probe.failures} /healthz failed"
    finally:
        server.stop()
    worst = max(probe.latencies_ms, default=float("nan"))
    return Row(attack.name, worst, len(probe.latencies_ms), sent.seconds, sent.status, sent.outcome)


def server_env(server_path: Path | None) -> dict[str, str]:
    """Environment for the server process: another tree's code first on PYTHONPATH, if given."""
    if server_path is None:
        return {}
    root = server_path.resolve()
    paths = [str(root / "proto"), str(root / "services" / "reward_server")]
    return {"PYTHONPATH": os.pathsep.join([*paths, *filter(None, [os.environ.get("PYTHONPATH")])])}


def server_code(env: dict[str, str]) -> str:
    """Where `reward_server` resolves for a server started with `env`."""
    command = [sys.executable, "-c", "import reward_server; print(reward_server.__file__)"]
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def print_table(title: str, headers: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print(f"**{title}**\n")
        print("| " + " | ".join(headers) + " |")
        print("|" + "|".join("---" for _ in headers) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    table = Table(title=title)
    for header in headers:
        table.add_column(
            header, justify="left" if header.startswith(("attack", "HTTP", "outcome", "status")) else "right"
        )
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command()
def main(
    only: Annotated[str | None, typer.Option(help="Run this attack only.")] = None,
    server_path: Annotated[
        Path | None, typer.Option(help="Serve another checkout's code (its proto and reward_server).")
    ] = None,
    save: Annotated[Path | None, typer.Option(help="Write the rows to this JSON file.")] = None,
    before: Annotated[
        Path | None, typer.Option(help="Rows saved from a BEFORE run: print before/after columns.")
    ] = None,
    markdown: Annotated[bool, typer.Option(help="Print Markdown instead of a terminal table.")] = False,
) -> None:
    """Send each hostile request to a fresh server and report /healthz latency meanwhile."""
    attacks = [attack for attack in ATTACKS if only in (None, attack.name)]
    if not attacks:
        raise typer.BadParameter(f"no attack {only!r}; one of {', '.join(a.name for a in ATTACKS)}")
    env = server_env(server_path)
    console.print(f"server code: {server_code(env)}", highlight=False)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for attack in attacks:
            with console.status(attack.name):
                rows.append(run_attack(attack, Path(tmp), env))
            row = rows[-1]
            console.print(
                f"{row.attack}: /healthz worst {row.worst_healthz_ms:,.0f} ms ({row.probes} probes),"
                f" {row.seconds:.2f} s, {row.status}: {row.outcome}",
                highlight=False,
            )
    if save is not None:
        save.write_text(json.dumps([asdict(row) for row in rows], indent=1))
    title = f"Hostile requests, {os.cpu_count()} cores, a fresh server per attack"
    if before is None:
        headers = ["attack", "worst /healthz ms", "probes", "request s", "HTTP", "outcome"]
        cells = [
            [r.attack, f"{r.worst_healthz_ms:,.0f}", str(r.probes), f"{r.seconds:.2f}", r.status, r.outcome]
            for r in rows
        ]
        print_table(title, headers, cells, markdown)
        return
    old = {row["attack"]: Row(**row) for row in json.loads(before.read_text())}
    measures = ["worst /healthz ms", "request s", "status: outcome"]
    headers = ["attack", *(f"{measure} {when}" for measure in measures for when in ("before", "after"))]
    cells = []
    for new in rows:
        pairs = (old.get(new.attack), new)
        cells.append(
            [new.attack]
            + [f"{r.worst_healthz_ms:,.0f}" if r else "" for r in pairs]
            + [f"{r.seconds:.2f}" if r else "" for r in pairs]
            + [(r.outcome if r.status == "-" else f"{r.status}: {r.outcome}") if r else "" for r in pairs]
        )
    print_table(title, headers, cells, markdown)


if __name__ == "__main__":
    app()
