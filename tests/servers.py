"""The real reward server for tests: `python -m reward_server` on a loopback port (signals,
shutdown, real worker processes), or `create_app` in this process through `httpx.ASGITransport`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from reward_server.app import create_app
from reward_server.config import Settings

_READY_TIMEOUT_S = 120.0


@asynccontextmanager
async def in_process(settings: Settings, api_key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """`create_app(settings)` with its lifespan running, and a client that speaks HTTP to it
    without a socket."""
    app = create_app(settings)
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", headers=headers
        ) as client:
            yield client


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    api_key: str | None = None
    startup_s: float = 0.0
    host: str = "127.0.0.1"
    _client: httpx.Client | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            headers = {"authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.Client(base_url=self.url, headers=headers, timeout=60.0)
        return self._client

    def score(self, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        response = self.client.post("/score", json={"items": items, **extra})
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def score_in_background(self, items: list[dict[str, Any]], **extra: Any) -> threading.Thread:
        """POST `items` from another thread (started; join it), e.g. to keep the server busy."""
        body = {"items": items, **extra}
        sender = threading.Thread(
            target=httpx.post, args=(f"{self.url}/score",), kwargs={"json": body, "timeout": 60}
        )
        sender.start()
        return sender

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self._client is not None:
            self._client.close()
        return stop_process(self.process, timeout_s=60)


def stop_process(process: subprocess.Popen[Any], *, timeout_s: float) -> int:
    """SIGTERM, then SIGKILL after `timeout_s`; returns the exit code (a process already gone is left)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def start_server(
    tmp_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    api_key: str | None = None,
    ready_timeout_s: float = _READY_TIMEOUT_S,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> RunningServer:
    """Start `reward-server` with `args` on `host` (any 127.x.y.z is loopback on Linux) and `port`
    (default: a free one), wait (up to `ready_timeout_s`) until /readyz answers 200."""
    port = free_port(host) if port is None else port
    # only when asked, so that a REWARD_SERVER_HOST in `env` still applies otherwise
    where = ["--host", host] if host != "127.0.0.1" else []
    log_path = tmp_dir / f"server-{host + '-' if where else ''}{port}.log"
    command = [sys.executable, "-m", "reward_server", *where, "--port", str(port), *args]
    environment = {**os.environ, **(env or {})}
    if api_key:
        environment["REWARD_SERVER_API_KEY"] = api_key  # never on the command line
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    server = RunningServer(process, port, log_path, api_key, host=host)
    deadline = started + ready_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1.0).status_code == 200:
                server.startup_s = time.monotonic() - started
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server not ready after {ready_timeout_s} s:\n{server.log()}")
