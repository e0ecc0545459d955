"""Format check, answer extraction and the candidate policy (docs/outcome-verifier.md, Pipeline of one item).

Policy: the graded text is the `<answer>` block after `</think>` (or, by the answer-container
setting, the text after it that holds a `\\boxed{}`); the think block is never searched, and there
is no fallback to "the last number in the text". Its final value is a box, a stated answer, or
one value closing its prose; several different ones are a hedge. Every scan is linear in the
length of its text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal

from reward_server.scorers.outcome.scan import group_ends, top_level_positions, top_level_split

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_BOX_COMMAND = re.compile(r"\\(?:boxed|fbox)")
_MATH_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
ALTERNATIVE = re.compile(
    r"\bor\b|\\text\{\s*or\s*\}|\\textrm\{\s*or\s*\}|\\lor\b|\\vee\b|\beither\b", re.IGNORECASE
)
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?$")
_SPACING_MACRO = re.compile(r"\\[,;:! ]")
_THIN_SPACE_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?$")
# `not A or B`, `can't be A or B`, `doesn't make sense for it to be A or B`: the negation governs
# the pair, with one token between it and the `or`.
_NEGATED_PAIR = re.compile(
    r"(?:(?:\bnot|n't|\bcannot|\bnever|\bneither)\s++|(?:\bnot|n't|\bcannot|\bnever)\b[^.;,!?\n]{0,30}?\bbe\s++)"
    r"[^\s,;.]{1,20}\s*+$",
    re.IGNORECASE,
)
_COMMA_SPACE = re.compile(r",\s")
_LIST_WORD = re.compile(r"\band\b|\\text\{\s*and\s*\}", re.IGNORECASE)


AnswerContainer = Literal["answer_tag", "boxed", "either"]
_ANSWER_TAGS = re.compile(r"</?answer>")


@dataclass(frozen=True, slots=True)
class Extraction:
    format_ok: bool
    answer: str | None
    reason: str | None = None


def _think_ok(response: str) -> tuple[bool, str | None]:
    """Whether the think block is well formed, and the text after it (None: an unclosed think)."""
    opens, closes = response.count("<think>"), response.count("</think>")
    if opens == closes == 0:
        return False, response
    think_end = response.rfind("</think>")
    if think_end < 0:
        return False, None
    well_formed = opens == 1 and closes == 1 and response.lstrip().startswith("<think>")
    return well_formed, response[think_end + len("</think>") :]


def check_format(response: str, container: AnswerContainer = "answer_tag") -> bool:
    """`<think>...</think>` then the answer: `<answer>...</answer>` right after the think block
    (`answer_tag`), a `\\boxed{}` after it (`boxed`), or either; text after the answer allowed."""
    well_formed, tail = _think_ok(response)
    if not well_formed or tail is None:
        return False
    tagged = tail.lstrip().startswith("<answer>") and "</answer>" in tail
    if container == "answer_tag" or (container == "either" and tagged):
        return tagged
    return bool(boxed_contents(tail))


def extract_answer(response: str, container: AnswerContainer = "answer_tag") -> Extraction:
    """The graded text: the `<answer>` block after `</think>`, or the text after `</think>` that
    holds a `\\boxed{}`, by `container`. The think block is never searched."""
    format_ok = check_format(response, container)
    _, tail = _think_ok(response)
    if tail is None:
        return Extraction(format_ok, None, "unclosed_think")
    if container != "boxed":
        tagged = _tagged_answer(tail)
        if tagged.answer is not None or tagged.reason != "no_answer_tag" or container == "answer_tag":
            if tagged.reason == "no_answer_tag" and _answer_in_think(response):
                return Extraction(format_ok, None, "answer_in_think_only")
            return Extraction(format_ok, tagged.answer, tagged.reason)
    if boxed_contents(tail):
        return Extraction(format_ok, tail.strip(), None)
    return Extraction(format_ok, None, "no_boxed_answer" if container == "boxed" else "no_answer")


def _answer_in_think(response: str) -> bool:
    think_end = response.rfind("</think>")
    return think_end >= 0 and _tagged_answer(response[:think_end]).answer is not None


def _tagged_answer(text: str) -> Extraction:
    """The one `<answer>` block of `text`: several blocks that differ, or a block inside a block,
    hedge between answers and are refused with the reason (a repeated block is one answer).

    One pass over the tags (linear time on any input; regexes over responses full of unclosed
    tags go quadratic).
    """
    blocks: list[str] = []
    open_at: list[int] = []
    nested = False
    for tag in _ANSWER_TAGS.finditer(text):
        if tag.group() == "<answer>":
            open_at.append(tag.end())
        elif open_at:
            start = open_at.pop()
            if open_at:
                nested = True
            else:
                blocks.append(text[start : tag.start()].strip())
    if nested:
        return Extraction(False, None, "nested_answer_tags")
    if not blocks:
        return Extraction(False, None, "no_answer_tag")
    if len(blocks) > 1 and len({_squash(single_candidate(block).text or block) for block in blocks}) > 1:
        return Extraction(False, None, "multiple_answer_blocks")
    if not blocks[-1]:
        return Extraction(False, None, "empty_answer")
    return Extraction(False, blocks[-1], None)


def strip_answer_tag(text: str) -> str:
    """Ground truths may arrive wrapped as `<answer>...</answer>`."""
    stripped = text.strip()
    match = _ANSWER.fullmatch(stripped)
    return match.group(1).strip() if match else stripped


def boxed_contents(text: str) -> list[str]:
    """Contents of every `\\boxed{...}` / `\\fbox{...}` in `text`, in order (a box inside a box is
    part of the outer one's content); stops at the first box that never closes."""
    found: list[str] = []
    ends: dict[int, int] | None = None
    index = 0
    for command in _BOX_COMMAND.finditer(text):
        if command.start() < index:
            continue  # inside the previous box
        brace = command.end()
        while brace < len(text) and text[brace] == " ":
            brace += 1
        if brace >= len(text) or text[brace] != "{":
            continue
        if ends is None:
            ends = group_ends(text)
        end = ends.get(brace)
        if end is None:
            return found
        found.append(text[brace + 1 : end - 1].strip())
        index = end
    return found


def strip_math_delimiters(text: str) -> str:
    """`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]` off, repeatedly, with surrounding whitespace."""
    # Indices rather than slices: a slice per layer is quadratic on a long run of `$`.
    stripped = text.strip()
    if not stripped.startswith(("$", "\\(", "\\[")):
        return stripped
    start, end = 0, len(stripped)
    changed = True
    while changed:
        changed = False
        for left, right in _MATH_DELIMITERS:
            if (
                end - start > len(left) + len(right)
                and stripped.startswith(left, start, end)
                and stripped.endswith(right, start, end)
            ):
                start, end = start + len(left), end - len(right)
                while start < end and stripped[start].isspace():
                    start += 1
                while end > start and stripped[end - 1].isspace():
                    end -= 1
                changed = True
    return stripped[start:end]


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str | None
    ambiguous: bool = False
    context: str = ""
    """The text hedging is judged on: the sentence of the final value and what follows it."""
    values: tuple[str, ...] = ()
    """Every final value the answer states (its boxes, or its "the answer is ..."), in order."""

    def joined(self) -> str | None:
        """The stated values as one list (`\\boxed{1}, \\boxed{2}` against the list `1, 2`)."""
        return ", ".join(self.values) if self.values else self.text


# What extraction looks for; an answer with none of it is its own final value.
_MARKERS = re.compile(r"\\(?:boxed|fbox|\(|\[)|\$|\*\*|[A-Za-z]{2}|\[")
_ANSWER_PHRASE = re.compile(r"\b(?:final\s+|correct\s+)?answer\s*(?:is\s*:?|:|=)\s*", re.IGNORECASE)
# A sentence ends at `.`, `!` or `?` before a space (math delimiters may close first) or a newline.
_SENTENCE_END = re.compile(r"[.!?](?:\$|\\\))*(?=\s|$)|\n")
# Words, not LaTeX commands (`\\sqrt`, `\\cdot`).
_DIGIT = re.compile(r"\d")
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
# `The sum is 55.`: a verb, then one value that closes the text.
_FINAL_IS = re.compile(
    r"\b(?:is|are|equals|was|be|gives|get|makes)\s*+:?\s*+"
    r"(\$[^$]{1,200}\$|\\\(.{1,200}?\\\)|\[[^\[\]]{1,200}\]|[$\u20ac\u00a3]?[-+]?\.?\d(?:[.,/]?\d)*+%?)\s*+(?:[.!]\s*+)?$"
)


def single_candidate(answer: str) -> Candidate:
    """The final value of an answer: the last `\\boxed{}`, else what follows the last "the answer
    is", else a value closing the last sentence (`... is 34.`), else, in prose, the last inline
    math when no other math shares its sentence, else the whole answer; math delimiters
    unwrapped. Several different boxes or stated answers are `ambiguous` unless the caller
    reads them as one list (`values`)."""
    if not _MARKERS.search(answer):
        return Candidate(answer.strip(), context=answer)  # `42`, `x^2+1`: nothing to extract
    boxes = boxed_contents(answer)
    if answer.count("\\boxed") + answer.count("\\fbox") > len(boxes):
        return Candidate(None, ambiguous=True)  # `\boxed 3 \boxed 4`: boxes without braces
    sentences = _Sentences(answer)
    if boxes:
        last_box = max(answer.rfind("\\boxed"), answer.rfind("\\fbox"))
        return _stated(boxes, answer[sentences.start(last_box) :])
    phrases = list(_ANSWER_PHRASE.finditer(answer))
    # `Final Answer: The final answer is 12.`: a phrase whose sentence holds a later one is its lead-in.
    phrases = [
        phrase
        for phrase, following in zip(phrases, [*phrases[1:], None], strict=False)
        if following is None or following.start() >= sentences.end(phrase.end())
    ]
    if phrases:
        values = [answer[phrase.end() : sentences.end(phrase.end())].strip() for phrase in phrases]
        # `Answer: 41 was a wrong guess. Answer: 42`: a retraction in words states no value.
        values = [
            value for value in values[:-1] if not _PROSE.search(_outside(value, math_segments(value)))
        ] + [values[-1]]
        final = _final_is(values[-1])
        if final is not None and len(values) == 1:
            values = [final.group(1)]  # `Final Answer: the largest $n$ is 34.`
        return _stated(values, answer[sentences.start(phrases[-1].start()) :])
    final = _final_is(answer)
    if final is not None:
        return Candidate(
            strip_math_delimiters(final.group(1)), context=answer[sentences.start(final.start()) :]
        )
    segments = math_segments(answer)
    if segments and _PROSE.search(_outside(answer, segments)):
        start, end = segments[-1]
        sentence = sentences.start(start)
        if len(segments) == 1 or segments[-2][1] <= sentence:
            return Candidate(_unwrap(answer[start:end]), context=answer[sentence:])
    return Candidate(_unwrap(answer), context=answer)


def _unwrap(value: str) -> str:
    """Math delimiters and Markdown bold (`**12**`, which is no power) off a final value."""
    value = strip_math_delimiters(value)
    while len(value) > 4 and value.startswith("**") and value.endswith("**"):
        value = strip_math_delimiters(value[2:-2])
    return value


def _final_is(text: str) -> re.Match[str] | None:
    """`... is VALUE.` closing prose that states no other number before it."""
    final = _FINAL_IS.search(text)
    if final is None or not _PROSE.search(text[: final.start()]) or _DIGIT.search(text, 0, final.start()):
        return None
    return final


def _stated(values: list[str], context: str) -> Candidate:
    unwrapped = tuple(_unwrap(value) for value in values)
    distinct = len({_squash(value) for value in unwrapped}) > 1
    return Candidate(unwrapped[-1], ambiguous=distinct, context=context, values=unwrapped)


class _Sentences:
    """Sentence boundaries of a text, found once; each lookup is then O(log n)."""

    def __init__(self, text: str) -> None:
        self._length = len(text)
        self._ends = [match.start() for match in _SENTENCE_END.finditer(text)]

    def start(self, position: int) -> int:
        """Where the sentence holding `position` starts."""
        index = bisect_left(self._ends, position) - 1
        return self._ends[index] + 1 if index >= 0 else 0

    def end(self, position: int) -> int:
        """Where the sentence holding `position` ends (its final mark excluded)."""
        index = bisect_left(self._ends, position)
        return self._ends[index] if index < len(self._ends) else self._length


_DELIMITERS = (("$$", "$$"), ("\\(", "\\)"), ("\\[", "\\]"), ("$", "$"))


def math_segments(text: str) -> list[tuple[int, int]]:
    """Spans of the inline math in `text` (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`),
    delimiters included, in order; `\\$` is a dollar sign. Linear time: each delimiter's next
    occurrence is searched for again only once the scan has passed it, and a delimiter that never
    closes ends the search."""
    spans: list[tuple[int, int]] = []
    upcoming = {left: -2 for left, _ in _DELIMITERS}
    index = 0
    while True:
        for left, _ in _DELIMITERS:
            if -1 < upcoming[left] < index or upcoming[left] == -2:
                upcoming[left] = _find_unescaped(text, left, index)
        found = [(upcoming[left], left, right) for left, right in _DELIMITERS if upcoming[left] >= 0]
        if not found:
            return spans
        start, left, right = min(found, key=lambda item: (item[0], -len(item[1])))
        end = _find_unescaped(text, right, start + len(left))
        if end < 0:
            return spans
        spans.append((start, end + len(right)))
        index = end + len(right)


def _find_unescaped(text: str, needle: str, start: int) -> int:
    index = text.find(needle, start)
    while needle.startswith("$") and index > 0 and text[index - 1] == "\\":
        index = text.find(needle, index + 1)
    return index


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, index = [], 0
    for start, end in spans:
        pieces.append(text[index:start])
        index = end
    pieces.append(text[index:])
    return " ".join(pieces)


_CHAIN = re.compile(
    r"\\to\b|\\rightarrow\b|\\Rightarrow\b|\\implies\b|\\iff\b|\\mid\b|\\\\|\bthen\b|\\longrightarrow\b"
)
_GREEK = (
    "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|rho|"
    "sigma|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Sigma|Phi|Psi|Omega"
)
# A variable: a letter (with a subscript) or a Greek letter; `\pi` and `\infty` are constants.
_VARIABLE_NAME = rf"(?:[A-Za-z](?:_\{{?\w+\}}?)?|\\(?:{_GREEK})(?![A-Za-z]))"
# `x`, `\theta`, or a tuple of them (`(x, y) = (5, 8)`).
_SINGLE_VARIABLE = re.compile(
    rf"^\s*(?:{_VARIABLE_NAME}|\(\s*{_VARIABLE_NAME}(?:\s*,\s*{_VARIABLE_NAME})+\s*\))\s*$"
)
_TEXT_REMARK = re.compile(
    r"\\text\{[^{}]*(?:,|[A-Za-z][^{}]*\d|\d[^{}]*[A-Za-z]|\b(?:maybe|possibly|perhaps|probably|least|most|not|or)\b)[^{}]*\}",
    re.IGNORECASE,
)
_SUBSCRIPT = re.compile(r"_\{[^{}]*\}")


def hedges(context: str, candidate: str, reference: str) -> bool:
    """Does the answer offer more than one final value where the reference has one?

    `3 or 4` around the final value (inside or outside a box), a list (`3, 4`) or a chain
    (`3 \\to 4`, `3 \\implies 4`, `3 \\\\ 4`, `... then ...`) all count, unless the
    reference has the same shape; alternatives against a list reference are that list's values
    (`x = 1 or x = 4` for `1, 4`). Equations are `equation_sides`' business.
    """
    reference_lists = lists(reference)
    if has_alternatives(context) and not has_alternatives(reference) and not reference_lists:
        return True
    if is_list(candidate) and not reference_lists:
        return True
    if _TEXT_REMARK.search(candidate):
        return True  # `5\\text{, 6}`, `3 \\text{ maybe}`: a remark math-verify would drop
    return bool(_CHAIN.search(_outer(candidate))) and not _CHAIN.search(_outer(reference))


def _outer(text: str) -> str:
    """`text` without subscripts and environments, where `\\to` and `\\\\` are no chain
    (`\\lim_{x \\to 0}`, a matrix's rows). One pass: each environment is cut from its first
    `\\begin` to the next `\\end{...}`."""
    pieces, index = [], 0
    while (start := text.find("\\begin{", index)) >= 0:
        end = text.find("\\end{", start)
        if end < 0:
            break
        pieces.append(text[index:start])
        close = text.find("}", end)
        index = len(text) if close < 0 else close + 1
    pieces.append(text[index:])
    return _SUBSCRIPT.sub("", "".join(pieces))


def equation_sides(candidate: str, reference: str) -> list[str]:
    """The sides of `a = b = c` when the reference is no equation, a leading lone variable
    dropped (`x = 3` is the value 3): one side is the value; several must all be equal."""
    if len(top_level_split(reference, "=")) > 1:
        return [candidate]
    sides = [side.strip() for side in top_level_split(candidate, "=")]
    if len(sides) > 1 and _SINGLE_VARIABLE.match(sides[0]):
        sides = sides[1:]
    return sides if all(sides) else [candidate]


_REJECTION = re.compile(
    r"\b(?:not|never|cannot|wrong|incorrect|impossible|fails?|rejected|isn't|aren't|can't|wasn't)\b|n't\b",
    re.IGNORECASE,
)
_COMMAND_WITH_ARGUMENT = re.compile(r"\\[A-Za-z]+\s*\{[^{}]*\}")


def negates(context: str) -> bool:
    """The sentence of the final value rejects a value (`It is not 3.`, `$3$ is wrong`)."""
    return _REJECTION.search(context) is not None


def prose_words(text: str) -> int:
    """Words of prose in a value, LaTeX commands and their arguments (`\\text{ cm}`) aside."""
    return len(_PROSE.findall(_COMMAND_WITH_ARGUMENT.sub(" ", text)))


def lists(text: str) -> bool:
    """Several values: a top-level list, a set `\\{1, 2\\}` / `{1, 2}`, or alternatives."""
    stripped = text.strip()
    if stripped.startswith(("\\{", "{")) and stripped.endswith("}"):
        inner = stripped[2:-2] if stripped.startswith("\\{") else stripped[1:-1]
        return is_list(inner)
    return is_list(stripped) or has_alternatives(stripped)


def has_alternatives(answer: str) -> bool:
    """`3 or 4`, `B \\text{ or } C`: the answer hedges between candidates; `it can't be A or B`
    rules both out and offers neither."""
    for alternative in ALTERNATIVE.finditer(answer):
        before = answer[max(0, alternative.start() - 60) : alternative.start()]
        if not _NEGATED_PAIR.search(before):
            return True
    return False


def is_list(text: str) -> bool:
    """Top-level `,`/`;`/`and` outside brackets; thousands separators (`1,000`) are not lists."""
    text = _SPACING_MACRO.sub(" ", text)
    compact = text.replace(" ", "")
    if (_THOUSANDS.match(compact) and not _COMMA_SPACE.search(text)) or _THIN_SPACE_THOUSANDS.match(
        text.strip()
    ):
        return False
    if _LIST_WORD.search(text):
        return True
    return next(top_level_positions(text, ",;"), None) is not None


def _squash(text: str) -> str:
    return "".join(text.split())
