"""What the vLLM engine hands to vLLM, without starting an engine: the chat-templated text that
contains the rendered prompt file exactly, and the image pixels as multi-modal data."""

from __future__ import annotations

from typing import Any

from PIL import Image
from reward_server.scorers.thinking.engines.vllm_engine import VLLMEngine
from reward_server.scorers.thinking.prompt import JudgePrompt, render_prompt

from tests.reward_server.scorers.thinking.test_rules_server import png_data_uri


class ChatMLTokenizer:
    def apply_chat_template(
        self, messages: list[dict[str, Any]], tokenize: bool, add_generation_prompt: bool
    ) -> str:
        assert not tokenize
        assert add_generation_prompt
        parts = []
        for message in messages:
            content = message["content"]
            if not isinstance(content, str):
                content = "".join(p["text"] if p["type"] == "text" else "<|image_pad|>" for p in content)
            parts.append(f"<|im_start|>{message['role']}\n{content}<|im_end|>\n")
        return "".join(parts) + "<|im_start|>assistant\n"


def engine() -> VLLMEngine:
    vllm_engine = VLLMEngine("tiny")
    vllm_engine._tokenizer = ChatMLTokenizer()
    return vllm_engine


def test_the_engine_prompt_holds_the_rendered_prompt_file_exactly() -> None:
    text = render_prompt("How many apples?", "<think>12*3 = 36</think><answer>36</answer>")
    engine_prompt = engine().engine_prompt(JudgePrompt(text), "<answer>")
    assert engine_prompt["prompt"] == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n<answer>"
    )
    assert "multi_modal_data" not in engine_prompt


def test_a_png_reaches_vllm_as_pixels_after_the_text() -> None:
    text = render_prompt("<image> What is shown?", "<think>a red square</think>")
    engine_prompt = engine().engine_prompt(JudgePrompt(text, image=png_data_uri((8, 8))), "")
    assert engine_prompt["prompt"].index(text) < engine_prompt["prompt"].index("<|image_pad|>")
    image = engine_prompt["multi_modal_data"]["image"]
    assert isinstance(image, Image.Image)
    assert image.size == (8, 8)
    assert image.getpixel((0, 0)) == (200, 30, 30)
