"""The judge prompt and chat layout the SophiaVL thinking-reward model was fine-tuned on."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

SYSTEM_MESSAGE = "You are a helpful assistant."
IMAGE_TAG = "<image>"
_TEMPLATE_FILE = "sophiavl_thinking_prompt.txt"


def template() -> str:
    """The prompt file, byte for byte (it contains literal braces: never `str.format` it)."""
    return resources.files(__package__).joinpath(_TEMPLATE_FILE).read_text(encoding="utf-8")


def render_prompt(question: str, reasoning: str, prompt_template: str | None = None) -> str:
    text = prompt_template if prompt_template is not None else template()
    # The question goes in first so that the reasoning can never inject a `{question}` placeholder.
    before, marker, after = text.partition("{reasoning}")
    return before.replace("{question}", question) + (reasoning if marker else "") + after


def prepare_question(question: str | None, has_image: bool) -> str:
    text = question or ""
    if has_image and IMAGE_TAG not in text:
        text = f"{IMAGE_TAG} {text}"
    return text


def prepare_reasoning(response: str) -> str:
    """SophiaVL removes `$` from the response before judging it."""
    return response.replace("$", "")


@dataclass(frozen=True, slots=True)
class JudgePrompt:
    """One judge call: the user text (rendered prompt) and at most one image (a data URI)."""

    text: str
    image: str | None = None
    system: str = SYSTEM_MESSAGE
    extra_images_dropped: int = field(default=0)

    def messages(self) -> list[dict[str, object]]:
        """OpenAI-style chat messages: system, then one user message of text then the image."""
        content: list[dict[str, object]] = [{"type": "text", "text": self.text}]
        if self.image is not None:
            content.append({"type": "image_url", "image_url": {"url": self.image}})
        return [{"role": "system", "content": self.system}, {"role": "user", "content": content}]
