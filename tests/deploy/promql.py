"""PromQL without a PromQL parser: the metric names an expression uses (strings, label matchers,
range selectors, grouping clauses, functions and keywords are removed; what is left are metric
names), the operands of its top-level comparison and set operators, and Grafana's variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_VARIABLE = re.compile(r"\$\{?\w+\}?")
_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
             "group_right", "inf", "nan", "atan2"}  # fmt: skip
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def metric_names(expr: str) -> set[str]:
    """Metric names in `expr` (Grafana's `$variables` allowed)."""
    text = _STRING.sub('""', expr)
    text = _VARIABLE.sub("1", text)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def base_name(name: str, histograms: set[str]) -> str:
    """`x_bucket`, `x_sum` and `x_count` of a histogram `x` map to `x`; other names to themselves."""
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in histograms:
            return name.removesuffix(suffix)
    return name


def label_values_metric(query: str) -> set[str]:
    """Metric names of a Grafana variable query such as `label_values(reward_requests_total, scorer)`."""
    match = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*", query)
    return metric_names(match.group(1)) if match else metric_names(query)


# ------------------------------------------------------------------------- top-level operators

_SET_OPERATORS = ("and", "or", "unless")
_COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")  # two-character ones first
_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:")
_OPENING, _CLOSING = "({[", ")}]"
# What may follow a binary operator before its right operand: `bool`, `on(...)`/`ignoring(...)`,
# `group_left(...)`/`group_right(...)` (label lists hold no parentheses).
_MODIFIERS = re.compile(
    r"\s*(?:bool\b)?\s*(?:(?:on|ignoring)\s*\([^()]*\))?\s*(?:group_(?:left|right)\b(?:\s*\([^()]*\))?)?"
)
_NUMBER = re.compile(
    r"[+-]?(?:(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|inf|nan)", re.IGNORECASE
)


def _string_end(expr: str, start: int) -> int:
    """The index after the string literal that opens at `start` (`"`, `'` or a raw backtick string)."""
    quote, index = expr[start], start + 1
    while index < len(expr) and expr[index] != quote:
        index += 2 if expr[index] == "\\" and quote != "`" else 1
    if index >= len(expr):
        raise ValueError(f"unterminated string in {expr!r}")
    return index + 1


def _without_comments(expr: str) -> str:
    """`expr` without its `# ...` comments (a `#` inside a string is no comment)."""
    kept, index = [], 0
    while index < len(expr):
        char = expr[index]
        if char in "\"'`":
            end = _string_end(expr, index)
            kept.append(expr[index:end])
            index = end
        elif char == "#":
            newline = expr.find("\n", index)
            index = len(expr) if newline < 0 else newline
        else:
            kept.append(char)
            index += 1
    return "".join(kept)


def _operator_at(expr: str, index: int) -> str | None:
    """The comparison or set operator that starts at `index` (outside any bracket), if any."""
    for symbol in _COMPARISONS:
        if expr.startswith(symbol, index):
            return symbol
    if index and expr[index - 1] in _IDENTIFIER_CHARS:
        return None
    for word in _SET_OPERATORS:
        end = index + len(word)
        if expr.startswith(word, index) and (end == len(expr) or expr[end] not in _IDENTIFIER_CHARS):
            return word
    return None


def split_top_level(expr: str) -> tuple[list[str], list[str]]:
    """(operands, operators) of `expr` split at its comparison (`==`, `!=`, `>`, `<`, `>=`, `<=`) and
    set (`and`, `or`, `unless`) operators outside parentheses, braces, brackets, strings and comments.

    Each operator comes with its modifiers (`> bool`, `unless on(job)`, `== on(a) group_left(b)`);
    operands are stripped of surrounding whitespace. `a * b + 1` has one operand, itself.
    """
    expr = _without_comments(expr)
    operands: list[str] = []
    operators: list[str] = []
    depth, start, index = 0, 0, 0
    while index < len(expr):
        char = expr[index]
        if char in "\"'`":
            index = _string_end(expr, index)
            continue
        if char in _OPENING or char in _CLOSING:
            depth += 1 if char in _OPENING else -1
            if depth < 0:
                raise ValueError(f"unbalanced {char!r} in {expr!r}")
            index += 1
            continue
        operator = _operator_at(expr, index) if depth == 0 else None
        if operator is None:
            index += 1
            continue
        operands.append(expr[start:index].strip())
        modifiers = _MODIFIERS.match(expr, index + len(operator))
        end = modifiers.end() if modifiers else index + len(operator)
        operators.append(" ".join(expr[index:end].split()))
        start = index = end
    if depth:
        raise ValueError(f"unbalanced brackets in {expr!r}")
    operands.append(expr[start:].strip())
    if not all(operands):
        raise ValueError(f"an operator without an operand in {expr!r}")
    return operands, operators


def is_number_literal(expr: str) -> bool:
    """Whether `expr` is a number literal (`0.2`, `1e3`, `0x1f`, `Inf`), parentheses allowed."""
    text = expr.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return _NUMBER.fullmatch(text) is not None


# ------------------------------------------------------------------------- Grafana variables

_GRAFANA_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")


def grafana_variables(board: dict[str, Any], window_s: int) -> dict[str, str]:
    """What Grafana puts for each variable of `board`: a templating variable matches every value
    (its `allValue`, else `.*`); `$__rate_interval`, `$__interval` and `$__range` are `window_s`."""
    values = {
        "__rate_interval": f"{window_s}s",
        "__interval": f"{window_s}s",
        "__range": f"{window_s}s",
        "__range_s": str(window_s),
        "__range_ms": str(window_s * 1000),
        "__interval_ms": str(window_s * 1000),
    }
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") == "constant":
            values[variable["name"]] = str(variable.get("query", ""))
        else:
            values[variable["name"]] = variable.get("allValue") or ".*"
    return values


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """`expr` with its `$name`, `${name}` and `[[name]]` replaced; an unknown name is a KeyError."""

    def replace(match: re.Match[str]) -> str:
        name = match[1] or match[2] or match[3]
        if name not in values:
            raise KeyError(f"no value for the Grafana variable ${name} in {expr!r}")
        return values[name]

    return _GRAFANA_VARIABLE.sub(replace, expr)
