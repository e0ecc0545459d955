"""A remote OpenAI-compatible judge (for example a `vllm serve` container), the way SophiaVL-R1
itself talks to its judge. Pooled client, per-call deadline, retries only on connect errors, 5xx
and 429 (with `reward_proto.retry`'s backoff, the upstream's `Retry-After` a floor on it), and a
health probe that takes the server out of readiness while the upstream is down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import httpx
from reward_proto.retry import backoff_delay, parse_retry_after

from reward_server.scorers.thinking.engines.base import Completion, EngineUnavailable, gather_completions
from reward_server.scorers.thinking.prompt import JudgePrompt

logger = logging.getLogger(__name__)

_RETRY_STATUSES = {429, 500, 502, 503, 504}
_BACKOFF_BASE_S = 0.1
_BACKOFF_MAX_S = 5.0
# The longest an upstream's `Retry-After` makes one call wait before its next try.
_RETRY_AFTER_MAX_S = 30.0
_CHARS_PER_TOKEN = 4


class OpenAIEngine:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        retries: int = 2,
        max_model_len: int | None = None,
        health_interval_s: float = 1.0,
        max_connections: int = 256,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_context = max_model_len or 0
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._retries = retries
        self._health_interval_s = health_interval_s
        self._max_connections = max_connections
        self._client: httpx.AsyncClient | None = None
        self._health_task: asyncio.Task[None] | None = None
        self._healthy = False
        self._tokenizer: Any = None

    @property
    def ready(self) -> bool:
        return self._client is not None and self._healthy

    async def start(self) -> None:
        headers = {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=self._timeout_s,
            limits=httpx.Limits(max_connections=self._max_connections),
        )
        self._tokenizer = _local_tokenizer(self.model)
        await self._probe()
        self._health_task = asyncio.create_task(self._watch_health(), name="upstream-health")

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _probe(self) -> None:
        assert self._client is not None
        try:
            response = await self._client.get("/models", timeout=min(5.0, self._timeout_s))
            response.raise_for_status()
            healthy = True
            if not self.max_context:
                for entry in response.json().get("data", []):
                    if entry.get("max_model_len"):
                        self.max_context = int(entry["max_model_len"])
        except (httpx.HTTPError, ValueError):
            healthy = False
        if healthy != self._healthy:
            logger.warning("upstream judge %s is %s", self.base_url, "up" if healthy else "DOWN")
        self._healthy = healthy

    async def _watch_health(self) -> None:
        while True:
            await asyncio.sleep(self._health_interval_s)
            await self._probe()

    def tokenize(self, text: str) -> list[int]:
        if self._tokenizer is not None:
            return list(self._tokenizer.encode(text, add_special_tokens=False))
        # No local tokenizer: characters stand in for tokens (a conservative budget).
        return [ord(char) for char in text[::_CHARS_PER_TOKEN]] if text else []

    def detokenize(self, tokens: Sequence[int]) -> str:
        if self._tokenizer is not None:
            return str(self._tokenizer.decode(list(tokens)))
        raise NotImplementedError("truncation needs the judge tokenizer: pass a local --model path")

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._client is None:
            raise EngineUnavailable("the upstream client is closed")
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = await self._client.post("/chat/completions", json=body)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                self._healthy = False
                if last:
                    raise EngineUnavailable(f"upstream judge unreachable: {exc}") from exc
                await asyncio.sleep(_backoff(attempt))
                continue
            if response.status_code in _RETRY_STATUSES and not last:
                await asyncio.sleep(_backoff(attempt, response.headers.get("retry-after")))
                continue
            if response.status_code >= 400:
                raise EngineUnavailable(
                    f"upstream judge answered {response.status_code}: {response.text[:200]}"
                )
            result: dict[str, Any] = response.json()
            return result
        raise EngineUnavailable("upstream judge retries exhausted")

    async def _one(self, prompt: JudgePrompt, assistant_prefix: str, max_tokens: int, top: int) -> Completion:
        messages: list[dict[str, Any]] = list(prompt.messages())
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0.0,
            "max_tokens": max_tokens,
            "logprobs": True,
            "top_logprobs": top,
        }
        if assistant_prefix:
            # vLLM extension: continue the assistant turn from the given prefix.
            messages.append({"role": "assistant", "content": assistant_prefix})
            body.update(add_generation_prompt=False, continue_final_message=True)
        body["messages"] = messages
        reply = await self._post(body)
        choice = reply["choices"][0]
        steps = (choice.get("logprobs") or {}).get("content") or []
        top_logprobs = [
            {entry["token"]: entry["logprob"] for entry in step["top_logprobs"]} for step in steps
        ]
        usage = reply.get("usage") or {}
        cached = ((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0
        content = choice["message"].get("content") or ""
        return Completion(content, top_logprobs, int(usage.get("prompt_tokens", 0)), int(cached))

    async def complete(
        self,
        prompts: Sequence[JudgePrompt],
        *,
        assistant_prefix: str,
        max_tokens: int,
        top_logprobs: int,
    ) -> list[Completion | Exception]:
        return await gather_completions(
            self._one(prompt, assistant_prefix, max_tokens, top_logprobs) for prompt in prompts
        )


def _backoff(attempt: int, retry_after: str | None = None) -> float:
    """The wait before the retry after attempt `attempt` (0 for the first), at least the
    upstream's `Retry-After` (up to 30 s)."""
    floor = parse_retry_after(retry_after, max_s=_RETRY_AFTER_MAX_S)
    return backoff_delay(attempt, base_s=_BACKOFF_BASE_S, max_s=_BACKOFF_MAX_S, retry_after=floor)


def _local_tokenizer(model: str) -> Any:
    """The judge's tokenizer when `model` is a local path (for exact truncation), else None."""
    from pathlib import Path

    if not Path(model).is_dir():
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model)
