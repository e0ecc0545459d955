"""In-process Hugging Face model, CPU or GPU: no serving stack, handy for small judges and tests."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from reward_proto.attention import AttnImplementation, checkpoint_dtype, resolve_attn_implementation

from reward_server.scorers.thinking.engines.base import Completion
from reward_server.scorers.thinking.prompt import JudgePrompt

ATTN_SETTING = "attn_implementation (--attn-implementation, REWARD_SERVER_ATTN_IMPLEMENTATION)"


class TransformersEngine:
    """Greedy generation with `transformers`; one batch at a time (a lock guards the model)."""

    def __init__(
        self,
        model: str,
        *,
        max_model_len: int | None = None,
        dtype: str = "auto",
        attn_implementation: AttnImplementation = "auto",
    ) -> None:
        self.model = model
        self.max_context = max_model_len or 0
        self._dtype = dtype
        self._attn_implementation: str = attn_implementation
        self._model: Any = None
        self._tokenizer: Any = None
        self._device = "cpu"
        self._lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self._model is not None

    async def start(self) -> None:
        await asyncio.to_thread(self._load)

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._device = "cuda" if torch.cuda.is_available() else "cpu"
        # resolved before anything loads, so that an explicit flash_attention_2 that cannot run fails at once
        attention = resolve_attn_implementation(
            self._attn_implementation,
            device=self._device,
            dtype=checkpoint_dtype(self.model, self._dtype),
            setting=ATTN_SETTING,
        )
        self._tokenizer = AutoTokenizer.from_pretrained(self.model)
        self._tokenizer.padding_side = "left"
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        dtype = self._dtype if self._dtype == "auto" else getattr(torch, self._dtype)
        model = AutoModelForCausalLM.from_pretrained(self.model, dtype=dtype, attn_implementation=attention)
        self._model = model.to(self._device).eval()  # type: ignore[arg-type]
        if not self.max_context:
            self.max_context = int(getattr(self._model.config, "max_position_embeddings", 4096))

    async def close(self) -> None:
        self._model = None

    def tokenize(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text, add_special_tokens=False))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return str(self._tokenizer.decode(list(tokens)))

    def _generate(self, texts: list[str], max_tokens: int, top_logprobs: int) -> list[Completion]:
        import torch

        batch = self._tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = {key: value.to(self._device) for key, value in batch.items()}
        with torch.inference_mode():
            output = self._model.generate(
                **batch,
                max_new_tokens=max_tokens,
                do_sample=False,
                output_scores=True,
                return_dict_in_generate=True,
                pad_token_id=self._tokenizer.pad_token_id,
            )
        prompt_length = batch["input_ids"].shape[1]
        completions = []
        for row, prompt_mask in enumerate(batch["attention_mask"]):
            steps = []
            for scores in output.scores:
                logprobs = torch.log_softmax(scores[row].float(), dim=-1)
                values, indices = logprobs.topk(top_logprobs)
                steps.append(
                    {self._tokenizer.decode([int(i)]): float(v) for v, i in zip(values, indices, strict=True)}
                )
            generated = output.sequences[row, prompt_length:]
            text = self._tokenizer.decode(generated, skip_special_tokens=True)
            completions.append(Completion(text, steps, int(prompt_mask.sum()), 0))
        return completions

    async def complete(
        self,
        prompts: Sequence[JudgePrompt],
        *,
        assistant_prefix: str,
        max_tokens: int,
        top_logprobs: int,
    ) -> list[Completion | Exception]:
        results: list[Completion | Exception] = []
        texts: list[str] = []
        for prompt in prompts:
            if prompt.image is not None:
                results.append(ValueError("the transformers engine judges text only; use vllm for images"))
                continue
            rendered = self._tokenizer.apply_chat_template(
                prompt.messages(), tokenize=False, add_generation_prompt=True
            )
            texts.append(rendered + assistant_prefix)
            results.append(Completion(""))  # placeholder, replaced below
        async with self._lock:
            try:
                generated = (
                    await asyncio.to_thread(self._generate, texts, max_tokens, top_logprobs) if texts else []
                )
            except Exception as exc:
                return [exc for _ in prompts]
        answers = iter(generated)
        return [next(answers) if not isinstance(result, Exception) else result for result in results]
