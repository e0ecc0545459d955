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

import html
import re
import unicodedata
from typing import Literal

JudgeDirected = Literal["addresses_judge", "score_tag", "chat_markup", "prompt_markup"]
KINDS: tuple[JudgeDirected, ...] = ("addresses_judge", "score_tag", "chat_markup", "prompt_markup")

_GRADER = r"(?:judge|grader|evaluator|reviewer|assessor|reward model|grading model|examiner)"
# A top score as a grader would write it, ending its clause: "10" in "rate it at 10 per hour" is
# not one, "10/10." is.
_TOP_SCORE = (
    r"(?:1(?:\.0+)?|10(?:/10)?|100(?:%|/100)?|one|ten|full(?: marks)?|perfect|max(?:imum)?|highest|top)"
    r"(?=[^\S\n]*(?:[.!,;:)<]|$|out of|points?\b|score\b|marks?\b))"
)
_WORK = (
    r"(?:reasoning|response|answer|solution|thinking|derivation|proof|process|chain of thought|trace|work)"
)
_SCORE = r"(?:score|rating|grade|marks?|reward)"
_GAP = r"[^\S\n]{1,5}"
_THIS_WORK = rf"(?:(?:this|my|the){_GAP}{_WORK}|this(?:{_GAP}one)?|it|me)"
_OWN_WORK = rf"\b(?:this|my|the|above|following|whole){_GAP}{_WORK}{_GAP}"
# "perfect" praises the work only when nothing follows it: "a perfect square" is mathematics.
_PRAISE = (
    r"(?:flawless|impeccable|beyond reproach|error[- ]free|perfectly sound|"
    r"(?:100%|completely|entirely|fully)[^\S\n]{1,5}correct|perfect(?=[^\S\n]*(?:[.!,;]|$)))"
)
_OVERRIDE = r"(?:instructions?|criteria|rubric|prompt|system message|guidelines|the above|everything above)"
_EMIT = r"(?:output|reply|respond|return|print)(?:[^\S\n]{1,5}with)?(?:[^\S\n]{1,5}only)?"
# Each alternative needs words that only make sense said to a grader, so that a problem about a
# game's score or a court's judge does not trip it; gaps are bounded, so a scan stays linear.
_ADDRESSES_JUDGE = re.compile(
    "|".join(
        (
            rf"\b(?:dear|hey|hello|hi|attention|note (?:to|for)(?: the)?){_GAP}{_GRADER}",
            rf"(?:^|[.!?\n])[^\S\n]{{0,5}}{_GRADER}s?[^\S\n]{{0,3}}[:,!]",
            rf"\b(?:the|a|any){_GAP}{_GRADER}{_GAP}(?:should|must|will|can|needs to|has to){_GAP}"
            rf"(?:output|give|award|assign|score|rate|return|respond|reply|accept)\b",
            rf"\b(?:give|assign|award|grant)s?{_GAP}{_THIS_WORK}{_GAP}"
            rf"(?:(?:an?|the){_GAP})?(?:(?:full|perfect|maximum|max|top|highest|high){_GAP}){_SCORE}",
            rf"\b(?:give|assign|award|grant)s?{_GAP}{_THIS_WORK}{_GAP}(?:(?:an?|the){_GAP})?"
            rf"(?:{_SCORE}{_GAP}of{_GAP})?{_TOP_SCORE}",
            rf"\b(?:score|rate|grade){_GAP}{_THIS_WORK}\b[^.\n]{{0,30}}?\b{_TOP_SCORE}",
            rf"{_OWN_WORK}(?:deserves?|merits?|earns?|(?:should|must){_GAP}(?:get|receive|be given))\b"
            rf"[^.\n]{{0,20}}?\b(?:{_SCORE}|{_TOP_SCORE})",
            rf"{_OWN_WORK}(?:is|was){_GAP}(?:\w{{1,20}}{_GAP})?{_PRAISE}",
            rf"\b(?:ignore|disregard|forget)\b[^.\n]{{0,30}}?\b{_OVERRIDE}\b",
            rf"\b(?:you|please)(?:{_GAP}(?:must|should|will|now|only|simply)){{0,2}}{_GAP}"
            rf"(?:{_EMIT}|score|rate|grade|answer with)\b[^.\n]{{0,30}}?(?:{_TOP_SCORE}|<answer>|{_SCORE})",
            rf"\b{_EMIT}{_GAP}(?:(?:the|a){_GAP})?(?:{_SCORE}(?:{_GAP}of)?{_GAP})?(?:{_TOP_SCORE}|<answer>)",
            rf"(?:^|[.!?\n])[^\S\n]{{0,5}}(?:final{_GAP}|reasoning{_GAP}|thinking{_GAP})?(?:score|rating|grade)"
            r"[^\S\n]{0,3}[:=][^\S\n]{0,3}(?:1\.0+|10/10|100/100)\b",
        )
    ),
    re.IGNORECASE | re.MULTILINE,
)
# The judge's own verdict markup, however spaced or cased (`< answer >`, `<ANSWER>`).
_ANSWER_OPEN = re.compile(r"<[^\S\n]{0,3}answer[^\S\n]{0,3}>", re.IGNORECASE)
_SCORE_TAG = re.compile(
    r"<[^\S\n]{0,3}/?[^\S\n]{0,3}(?:score|reward|grade|rating|verdict|judgement|judgment)[^\S\n]{0,3}>",
    re.IGNORECASE,
)
_CHAT_MARKUP = re.compile(
    r"[<\u2039][^\S\n]{0,2}\|[^\S\n]{0,2}[A-Za-z_\u2581][\w\u2581 ]{1,30}\|[^\S\n]{0,2}>"
    r"|<(?:start|end)_of_turn>|\[/?INST\]|<</?SYS>>|(?:^|[.!?\n])[^\S\n]{0,5}(?:system|assistant)[^\S\n]{0,3}:",
    re.IGNORECASE,
)
# Phrases of the SophiaVL judge prompt itself (sophiavl_thinking_prompt.txt).
_PROMPT_MARKUP = re.compile(
    r"(?:your[^\S\n]{1,5})?response[^\S\n]{1,5}format[^\S\n]{0,3}:|reasoning[^\S\n]{1,5}process[^\S\n]{0,3}:"
    r"|evaluation[^\S\n]{1,5}criteria|expert[^\S\n]{1,5}reasoning[^\S\n]{1,5}evaluator"
    r"|provide[^\S\n]{1,5}a[^\S\n]{1,5}single[^\S\n]{1,5}score|only[^\S\n]{1,5}output[^\S\n]{1,5}the[^\S\n]{1,5}score"
    r"|perfectly[^\S\n]{1,5}sound[^\S\n]{1,5}reasoning|completely[^\S\n]{1,5}flawed[^\S\n]{1,5}reasoning",
    re.IGNORECASE,
)


# Unicode's format characters (category Cf) that occur in text: soft hyphen, zero-width space,
# joiners, bidi marks and isolates, word joiner, invisible operators, BOM, tags.
_FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


# Words one of which each pattern needs: a text without any of them skips that pattern (a
# substring test runs at C speed; the patterns try a dozen alternatives at every position).
_JUDGE_WORDS = (
    "judge", "grader", "evaluat", "reviewer", "assessor", "examiner", "reward", "give", "assign",
    "award", "grant", "score", "rate", "grade", "rating", "deserv", "merit", "earn", "should", "must",
    "flawless", "impeccab", "reproach", "error", "perfect", "correct", "ignore", "disregard", "forget",
    "output", "reply", "respond", "return", "print", "answer with",
)  # fmt: skip
_CHAT_WORDS = ("|", "_of_turn", "[inst", "[/inst", "<<sys", "<</sys", "system", "assistant")
_PROMPT_WORDS = ("format", "process", "criteria", "evaluator", "single", "output", "sound", "flawed")


def _mentions(lowered: str, words: tuple[str, ...]) -> bool:
    return any(word in lowered for word in words)


def normalized(text: str) -> str:
    """`text` as the scans read it: HTML entities decoded, NFKC (fullwidth and compatibility
    forms), format characters (zero-width spaces and joiners, bidi marks) removed."""
    if "&" in text:
        text = html.unescape(text)
    if text.isascii():
        return text
    return _FORMAT_CHARACTERS.sub("", unicodedata.normalize("NFKC", text))


def _answer_tags_misplaced(response: str) -> bool:
    """An `<answer>` before `</think>`, or more than one: the judge answers `<answer>score</answer>`,
    so such a tag can pose as its verdict."""
    first = _ANSWER_OPEN.search(response)
    if first is None:
        return False
    think_end = response.find("</think>")
    return first.start() < think_end or _ANSWER_OPEN.search(response, first.end()) is not None


def judge_directed(response: str) -> tuple[JudgeDirected, ...]:
    """The kinds of judge-directed text in `response`, in `KINDS` order; empty when there is none.
    The response is read `normalized` (entities decoded, zero-width characters removed)."""
    response = normalized(response)
    lowered = response.lower()
    found: list[JudgeDirected] = []
    if _mentions(lowered, _JUDGE_WORDS) and _ADDRESSES_JUDGE.search(response):
        found.append("addresses_judge")
    if "<" in response and (_answer_tags_misplaced(response) or _SCORE_TAG.search(response)):
        found.append("score_tag")
    if _mentions(lowered, _CHAT_WORDS) and _CHAT_MARKUP.search(response):
        found.append("chat_markup")
    if _mentions(lowered, _PROMPT_WORDS) and _PROMPT_MARKUP.search(response):
        found.append("prompt_markup")
    return tuple(found)
