"""tests/deploy/promql.py: splitting at top-level comparison and set operators, number literals,
Grafana variables."""

from __future__ import annotations

import pytest

from tests.deploy.promql import grafana_variables, is_number_literal, split_top_level, substitute


@pytest.mark.parametrize(
    ("expr", "operands", "operators"),
    [
        ("up", ["up"], []),
        ("up == 0", ["up", "0"], ["=="]),
        ("a >= 1", ["a", "1"], [">="]),
        ("a <= 1", ["a", "1"], ["<="]),
        ("a < 1", ["a", "1"], ["<"]),
        # nested parentheses: only the outermost level splits
        (
            "(sum(rate(a[5m])) > 0) unless (max(b > 1) == 2)",
            ["(sum(rate(a[5m])) > 0)", "(max(b > 1) == 2)"],
            ["unless"],
        ),
        (
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 10",
            ["histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))", "10"],
            [">"],
        ),
        # label matchers: `=~"a|b"`, `!=` and `!~` inside braces are no operators
        ('x{job=~"a|b", status!="ok", le!~"1"} != 0', ['x{job=~"a|b", status!="ok", le!~"1"}', "0"], ["!="]),
        # strings holding operators and keywords
        (
            'x{path=">", kind="a and b"} < y{q="<= or =="}',
            ['x{path=">", kind="a and b"}', 'y{q="<= or =="}'],
            ["<"],
        ),
        ("x{a='>', b=`>`} > 1", ["x{a='>', b=`>`}", "1"], [">"]),
        ('x{a="say \\">\\""} > 1', ['x{a="say \\">\\""}', "1"], [">"]),
        # arithmetic does not split: `0.8 * max(...)` is one operand
        (
            "max by (job) (depth)\n  > 0.8 * max by (job) (bound)",
            ["max by (job) (depth)", "0.8 * max by (job) (bound)"],
            [">"],
        ),
        ("a / b > 0.05", ["a / b", "0.05"], [">"]),
        # the bool modifier
        ("a > bool 1", ["a", "1"], ["> bool"]),
        ("sum(a == bool 1) > 0", ["sum(a == bool 1)", "0"], [">"]),
        # vector matching
        (
            "a > on(job, instance) group_left(scorer) b",
            ["a", "b"],
            ["> on(job, instance) group_left(scorer)"],
        ),
        ("a == ignoring (set) group_right b", ["a", "b"], ["== ignoring (set) group_right"]),
        (
            "a and on(job) b or c unless ignoring(x) d",
            ["a", "b", "c", "d"],
            ["and on(job)", "or", "unless ignoring(x)"],
        ),
        # keywords inside names are names: `vendor`, `orders_total`, `handle_unless`
        ("vendor_orders_total > handle_unless", ["vendor_orders_total", "handle_unless"], [">"]),
        # `by (...)` label lists and functions named like nothing special
        ("sum by (job, or_label) (x) > 1", ["sum by (job, or_label) (x)", "1"], [">"]),
        ("a > 1 # a comment with > and or\n", ["a", "1"], [">"]),
        ('x{a="#"} # c\n  > 1', ['x{a="#"}', "1"], [">"]),
    ],
)
def test_split_top_level(expr: str, operands: list[str], operators: list[str]) -> None:
    assert split_top_level(expr) == (operands, operators)


@pytest.mark.parametrize("expr", ["a > ", "> 1", "a > and b", "(a > 1", "a > 1)", 'x{a="b} > 1'])
def test_malformed_expressions_are_refused(expr: str) -> None:
    with pytest.raises(ValueError, match=r"unterminated|unbalanced|without an operand"):
        split_top_level(expr)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0.2", True),
        ("10", True),
        (" 1e3 ", True),
        ("-1", True),
        ("0x1F", True),
        ("Inf", True),
        ("NaN", True),
        ("(0.05)", True),
        (".5", True),
        ("0.8 * max(x)", False),
        ("up", False),
        ("(1) + (2)", False),
        ("info", False),
        ("vector(1)", False),
    ],
)
def test_is_number_literal(text: str, number: bool) -> None:
    assert is_number_literal(text) is number


def test_grafana_variables_match_everything_and_the_window_covers_the_run() -> None:
    board = {
        "templating": {
            "list": [
                {"name": "scorer", "type": "query", "allValue": ".*"},
                {"name": "job", "type": "query"},
                {"name": "stack", "type": "constant", "query": "sophia"},
            ]
        }
    }
    values = grafana_variables(board, 300)
    expr = 'rate(x{scorer=~"$scorer", job=~"${job}", stack="[[stack]]"}[$__rate_interval]) * $__range_s'
    assert substitute(expr, values) == 'rate(x{scorer=~".*", job=~".*", stack="sophia"}[300s]) * 300'
    assert substitute("increase(x[$__range]) / $__interval_ms", values) == "increase(x[300s]) / 300000"
    with pytest.raises(KeyError, match="unknown"):
        substitute("x{a=~'$unknown'}", values)
