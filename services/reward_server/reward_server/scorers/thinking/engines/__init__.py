"""Language-model engines behind one small interface: vLLM, an OpenAI-compatible server,
Hugging Face transformers."""

from reward_server.scorers.thinking.engines.base import ChatEngine, Completion, EngineUnavailable

__all__ = ["ChatEngine", "Completion", "EngineUnavailable"]
