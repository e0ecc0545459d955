"""Text in a response that is addressed to the judge rather than to the problem.

The model judges read the response inside their prompt, so a policy can learn to talk to them:
praise its own reasoning, ask for a score, close the prompt's `<answer>` format early, or forge chat
turns. The SophiaVL prompt must stay byte-identical (the released judge was trained on it), so
nothing is added to it; instead the response is scanned before judging and what is found is reported
per item (`details.judge_directed`), counted (`reward_judge_directed_total{kind}`) and, with
`REWARD_SERVER_ZERO_JUDGE_DIRECTED=true`, scored 0. The `rules` judge also subtracts a penalty.

Kinds (docs/thinking-service.md lists the patterns):

- `addresses_judge`: words to a grader ("dear judge", "score this 1", "this reasoning is
  flawless", "ignore the instructions above");
- `score_tag`: score markup the judge itself answers with: an `<answer>` before `</think>`, more
  than one `<answer>`, or `<score>` tags;
- `chat_markup`: chat-template control tokens (`<|im_start|>`, `<|im_end|>`, ...), which can forge
  a turn;
- `prompt_markup`: headings of the judge's own prompt (`Your response format:`, `Reasoning
  process:`, `### Evaluation Criteria`), which can forge a new section of it.

Every pattern has bounded gaps, so a scan is linear in the length of the response.
"""

from __future__ import annotations

import re
from typing import Literal

JudgeDirected = Literal["addresses_judge", "score_tag", "chat_markup", "prompt_markup"]
KINDS: tuple[JudgeDirected, ...] = ("addresses_judge", "score_tag", "chat_markup", "prompt_markup")

_GRADER = r"(?:judge|grader|evaluator|reviewer|assessor|reward model|grading model|examiner)"
_TOP_SCORE = (
    r"(?:1(?:\.0+)?|10(?:/10)?|100(?:%|/100)?|one|ten|full(?: marks)?|perfect|max(?:imum)?|highest|top)"
)
_WORK = r"(?:reasoning|response|answer|solution|thinking|derivation|proof|process|chain of thought|work)"
_SCORE = r"(?:score|rating|grade|marks?|reward)"
_GAP = r"[ \t]{1,3}"
_THIS_WORK = rf"(?:this|it|me|my {_WORK}|the {_WORK})"
_OWN_WORK = rf"\b(?:this|my|the|above|following|whole){_GAP}{_WORK}{_GAP}"
_PRAISE = r"(?:flawless|impeccable|perfect|perfectly sound|beyond reproach|error[- ]free)"
_OVERRIDE = r"(?:instructions?|criteria|rubric|prompt|system message)"
# Each alternative needs words that only make sense said to a grader, so that a problem about a
# game's score or a court's judge does not trip it; gaps are bounded, so a scan stays linear.
_ADDRESSES_JUDGE = re.compile(
    "|".join(
        (
            rf"\b(?:dear|hey|hello|attention|note (?:to|for)(?: the)?|to the){_GAP}{_GRADER}",
            rf"(?:^|[.!?\n])[ \t]{{0,5}}{_GRADER}s?[ \t]{{0,3}}[:,!]",
            rf"\b(?:give|assign|award|grant)s?{_GAP}{_THIS_WORK}{_GAP}"
            rf"(?:an? |the )?(?:full |perfect |maximum |max |top |high(?:est)? )?{_SCORE}",
            rf"\b(?:score|rate|grade){_GAP}{_THIS_WORK}\b[^.\n]{{0,30}}?\b{_TOP_SCORE}",
            rf"{_OWN_WORK}(?:deserves?|merits?|earns?|(?:should|must) (?:get|receive|be given))\b",
            rf"{_OWN_WORK}(?:is|was){_GAP}(?:\w{{1,20}}{_GAP})?{_PRAISE}\b",
            rf"\b(?:ignore|disregard|forget)\b[^.\n]{{0,30}}?\b{_OVERRIDE}\b",
            r"\byou (?:must|should|will) (?:now )?(?:output|score|rate|grade|respond with|answer with)\b",
        )
    ),
    re.IGNORECASE | re.MULTILINE,
)
_SCORE_TAG = re.compile(r"</?score>|</?reward>|</?grade>", re.IGNORECASE)
_CHAT_MARKUP = re.compile(r"<\|[A-Za-z_][\w]{0,30}\|>|\[/?INST\]|<</?SYS>>")
_PROMPT_MARKUP = re.compile(
    r"your response format\s*:|reasoning process\s*:|#\s*evaluation criteria|you are an expert reasoning "
    r"evaluator",
    re.IGNORECASE,
)


def _answer_tags_misplaced(response: str) -> bool:
    """An `<answer>` before `</think>`, or more than one: the judge answers `<answer>score</answer>`,
    so such a tag can pose as its verdict."""
    first = response.find("<answer>")
    if first < 0:
        return False
    think_end = response.find("</think>")
    return (0 <= first < think_end) or response.find("<answer>", first + 1) >= 0


def judge_directed(response: str) -> tuple[JudgeDirected, ...]:
    """The kinds of judge-directed text in `response`, in `KINDS` order; empty when there is none."""
    found: list[JudgeDirected] = []
    if _ADDRESSES_JUDGE.search(response):
        found.append("addresses_judge")
    if _answer_tags_misplaced(response) or _SCORE_TAG.search(response):
        found.append("score_tag")
    if _CHAT_MARKUP.search(response):
        found.append("chat_markup")
    if _PROMPT_MARKUP.search(response):
        found.append("prompt_markup")
    return tuple(found)
