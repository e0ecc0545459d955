"""Wire items from TRL's reward-function arguments: columns, conversational text, images."""

from __future__ import annotations

import base64
import io

from PIL import Image
from reward_proto import ScoreItem
from trust_grpo.client import ItemScore
from trust_grpo.remote import completion_text, question_text, score_items


def test_columns_and_conversational_turns_become_wire_items() -> None:
    prompt = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "1 + 1?"}]
    completion = [{"role": "assistant", "content": "<think>1+1=2</think><answer>2</answer>"}]
    [item] = score_items(["a"], ["g"], [prompt], [completion], {"ground_truth": [2], "other": ["x"]})
    assert isinstance(item, ScoreItem)
    assert (item.question, item.ground_truth, item.group_id) == ("1 + 1?", "2", "g")
    assert item.response == completion_text(completion)
    assert question_text("plain prompt") == "plain prompt"


def test_pil_images_go_out_as_data_uris() -> None:
    image = Image.new("RGB", (4, 3), "red")
    [item] = score_items(["a"], ["g"], ["q"], ["r"], {"images": [[image]], "ground_truth": ["1"]})
    assert isinstance(item, ScoreItem)
    assert item.images is not None
    uri = item.images[0]
    assert uri.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert decoded.size == (4, 3)


def test_a_row_the_wire_refuses_fails_alone_as_invalid() -> None:
    rows = {"choices": [{"A": "x"}, "not a mapping"], "ground_truth": ["A", "A"]}
    good, bad = score_items(["a", "b"], ["g", "g"], ["q", "q"], ["r", "r"], rows)
    assert isinstance(good, ScoreItem)
    assert isinstance(bad, ItemScore)
    assert bad.status == "invalid"
    assert "row 1" in (bad.reason or "")
