"""Format check and strict answer extraction (DESIGN section 6).

Policy: the graded answer is the last closed `<answer>` after `</think>`; the think block is never
searched and there is no fallback to "the last number in the text".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_BOX_COMMAND = re.compile(r"\\(?:boxed|fbox)")
_MATH_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_ALTERNATIVE = re.compile(
    r"\bor\b|\\text\{\s*or\s*\}|\\textrm\{\s*or\s*\}|\\lor\b|\\vee\b|\beither\b", re.IGNORECASE
)
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?$")
_SPACING_MACRO = re.compile(r"\\[,;:! ]")
_THIN_SPACE_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?$")
_LIST_WORD = re.compile(r"\band\b|\\text\{\s*and\s*\}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Extraction:
    format_ok: bool
    answer: str | None
    reason: str | None = None


def check_format(response: str) -> bool:
    """`<think>...</think>` then `<answer>...</answer>`, one think block, text after allowed."""
    if response.count("<think>") != 1 or response.count("</think>") != 1:
        return False
    if not response.lstrip().startswith("<think>"):
        return False
    think_end = response.index("</think>") + len("</think>")
    rest = response[think_end:].lstrip()
    return rest.startswith("<answer>") and "</answer>" in rest


def extract_answer(response: str) -> Extraction:
    """The content of the last closed `<answer>` tag after `</think>`."""
    format_ok = check_format(response)
    think_end = response.rfind("</think>")
    if think_end >= 0:
        tail = response[think_end + len("</think>") :]
    elif "<think>" in response:
        return Extraction(format_ok, None, "unclosed_think")
    else:
        tail = response
    answer = _last_closed_answer(tail)
    if answer is None:
        in_think = think_end >= 0 and _last_closed_answer(response[:think_end]) is not None
        return Extraction(format_ok, None, "answer_in_think_only" if in_think else "no_answer_tag")
    if not answer:
        return Extraction(format_ok, None, "empty_answer")
    return Extraction(format_ok, answer, None)


def _last_closed_answer(text: str) -> str | None:
    """Content of the last `<answer>...</answer>`, by plain search (linear time on any input;
    regexes over responses full of unclosed tags go quadratic)."""
    close = text.rfind("</answer>")
    if close < 0:
        return None
    open_ = text.rfind("<answer>", 0, close)
    if open_ < 0:
        return None
    return text[open_ + len("<answer>") : close].strip()


def strip_answer_tag(text: str) -> str:
    """Ground truths may arrive wrapped as `<answer>...</answer>`."""
    stripped = text.strip()
    match = _ANSWER.fullmatch(stripped)
    return match.group(1).strip() if match else stripped


def group_ends(text: str, open_char: str = "{", close_char: str = "}") -> dict[int, int]:
    """Opener index -> index just past its closer, for every `open_char` in `text`; openers that
    never close are absent.

    One pass with a stack, so that callers look groups up in O(1): a scan per lookup is quadratic
    on a text full of groups that never close.
    """
    ends: dict[int, int] = {}
    stack: list[int] = []
    for match in re.finditer(f"[{re.escape(open_char + close_char)}]", text):
        if match.group() == open_char:
            stack.append(match.start())
        elif stack:
            ends[stack.pop()] = match.end()
    return ends


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


def single_candidate(answer: str) -> Candidate:
    """Unwrap `\\boxed{}` and math delimiters; several distinct boxed values are ambiguous."""
    boxes = boxed_contents(answer)
    if answer.count("\\boxed") + answer.count("\\fbox") > len(boxes):
        return Candidate(None, ambiguous=True)  # `\boxed 3 \boxed 4`: boxes without braces
    if boxes:
        distinct = {_squash(box) for box in boxes}
        if len(distinct) > 1:
            return Candidate(None, ambiguous=True)
        answer = boxes[-1]
    return Candidate(strip_math_delimiters(answer))


_CHAIN = re.compile(
    r"\\to\b|\\rightarrow\b|\\Rightarrow\b|\\implies\b|\\iff\b|\\mid\b|\\\\|\bthen\b|\\longrightarrow\b"
)
_SINGLE_VARIABLE = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?\s*$|^\s*\\[A-Za-z]+\s*$")


def hedges(answer: str, candidate: str, reference: str) -> bool:
    """Does the answer offer more than one final value where the reference has one?

    `3 or 4` anywhere in the answer (inside or outside a box), a list (`3, 4`), a chain
    (`3 \\to 4`, `3 \\implies 4`, `3 \\\\ 4`, `... then ...`) or an equation whose left side is
    not a lone variable (`3 = 4`; `x = 3` is one value) all count, unless the reference has the
    same shape.
    """
    if has_alternatives(answer) and not has_alternatives(reference):
        return True
    if is_list(candidate) and not is_list(reference):
        return True
    if _CHAIN.search(candidate) and not _CHAIN.search(reference):
        return True
    sides = _top_level_split(candidate, "=")
    return (
        len(sides) > 1
        and len(_top_level_split(reference, "=")) == 1
        and (len(sides) > 2 or not _SINGLE_VARIABLE.match(sides[0]))
    )


def _top_level_split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside brackets and braces (`\\sum_{k=1}` is not split)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def has_alternatives(answer: str) -> bool:
    """`3 or 4`, `B \\text{ or } C`: the answer hedges between candidates."""
    return _ALTERNATIVE.search(answer) is not None


def is_list(text: str) -> bool:
    """Top-level `,`/`;`/`and` outside brackets; thousands separators (`1,000`) are not lists."""
    text = _SPACING_MACRO.sub(" ", text)
    compact = text.replace(" ", "")
    if _THOUSANDS.match(compact) or _THIN_SPACE_THOUSANDS.match(text.strip()):
        return False
    if _LIST_WORD.search(text):
        return True
    depth = 0
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char in ",;" and depth == 0:
            return True
    return False


def _squash(text: str) -> str:
    return "".join(text.split())
