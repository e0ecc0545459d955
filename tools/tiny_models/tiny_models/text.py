"""The recipe every tiny model shares: a byte-level BPE tokenizer trained here, which splits digits
into single tokens as Qwen's does, and a small Qwen2 config whose special tokens match it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def build_tokenizer(
    corpus: Iterable[str],
    *,
    vocab_size: int,
    special_tokens: Sequence[str] = SPECIAL_TOKENS,
    chat_template: str = CHAT_TEMPLATE,
    model_max_length: int = 4096,
) -> Any:
    """A byte-level BPE tokenizer trained on `corpus` that splits digits into single tokens, as
    Qwen's do, with `<|im_end|>` as end of sequence and `<|endoftext|>` as padding."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        chat_template=chat_template,
        model_max_length=model_max_length,
    )


def tiny_qwen2_config(
    tokenizer: Any,
    *,
    hidden_size: int,
    layers: int = 2,
    heads: int = 2,
    kv_heads: int = 1,
    mlp_ratio: int = 2,
    max_positions: int = 4096,
    **extra: Any,
) -> Any:
    """A small Qwen2 config whose special tokens match `build_tokenizer`'s."""
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * mlp_ratio,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        eos_token_id=int(tokenizer.convert_tokens_to_ids("<|im_end|>")),
        pad_token_id=int(tokenizer.convert_tokens_to_ids("<|endoftext|>")),
        bos_token_id=None,
        **extra,
    )
