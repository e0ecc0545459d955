"""Tiny models built offline for tests, benchmarks and the demo: random weights, local tokenizers,
no hub.

- `tiny_models.text`: the byte-level tokenizer recipe and the small Qwen2 config all of them share;
- `tiny_models.judge`: a tiny Qwen2 thinking-reward judge (`tiny-models judge`);
- `tiny_models.vl_judge`: its vision-language twin, a tiny BLIP-2 (`tiny-models vl-judge`);
- `tiny_models.policy`: the toy task's policy with a supervised warm-up (`tiny-models policy`).

A development tool, not part of the services: it imports `reward_server` and `trust_grpo` (the judge
prompt, the toy task), and neither of them imports it. The service images do not install it.
"""
