"""`Retry-After` parsing and jittered backoff (reward_proto.retry), hostile header values included."""

from __future__ import annotations

import email.utils
import math
import random
import string

import pytest
from reward_proto.retry import MAX_RETRY_AFTER_S, backoff_delay, parse_retry_after

NOW = 1_700_000_000.0  # a fixed `time.time()`


def http_date(offset_s: float) -> str:
    return email.utils.formatdate(NOW + offset_s, usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("1", 1.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("007", 7.0),
        (str(int(MAX_RETRY_AFTER_S) + 1), MAX_RETRY_AFTER_S),
        ("9" * 64, MAX_RETRY_AFTER_S),  # huge but well formed: the cap
    ],
)
def test_delta_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_http_dates_count_from_now_and_a_past_one_is_zero() -> None:
    assert parse_retry_after(http_date(30), now=NOW) == pytest.approx(30.0)
    assert parse_retry_after(http_date(-30), now=NOW) == 0.0
    assert parse_retry_after(http_date(10**6), now=NOW) == MAX_RETRY_AFTER_S
    # no zone (`-0000`) is read as GMT, not as the machine's local time
    assert parse_retry_after(http_date(30).replace("GMT", "-0000"), now=NOW) == pytest.approx(30.0)
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now=NOW) == MAX_RETRY_AFTER_S
    assert parse_retry_after("Mon, 01 Jan 0001 00:00:00 +2359", now=NOW) == 0.0


def test_the_cap_is_the_callers() -> None:
    assert parse_retry_after("60", max_s=30.0) == 30.0
    assert parse_retry_after(http_date(60), max_s=30.0, now=NOW) == 30.0
    assert parse_retry_after("10", max_s=30.0) == 10.0


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "-1",  # negative: not delta-seconds
        "-0.5",
        "+5",
        "1e3",  # float() would take these; the header does not
        "inf",
        "-inf",
        "nan",
        "Infinity",
        "1_000",
        "0x10",
        "5 s",
        "5,6",
        "1.",
        ".5",
        "\u0661\u0662",  # Arabic-Indic digits: str.isdigit() says yes, the header says no
        "\x00",
        "5\x00",
        "soon",
        "Mon, 32 Jan 2015 00:00:00 GMT",
        "Mon, 01 Jan 99999 00:00:00 GMT",
        "Mon, 01 Foo 2015 00:00:00 GMT",
        "Mon, 1 Jan 2015 25:61:61 GMT",
        "1" * 65,  # too long to be a header value it would trust
        "Wed, 21 Oct 2015 07:28:00 GMT" + " " * 40 + "x",
        "9" * 100_000,
    ],
)
def test_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_random_garbage_never_raises_and_stays_in_range() -> None:
    rng = random.Random(5)
    alphabet = string.printable + "\u00e9\u2028\x00"
    pieces = ["Mon", "Jan", ",", " ", "GMT", "-0000", "+9999", "99999", "00:00:00", "31", "1", ":", "-"]
    for index in range(20_000):
        if index % 2:
            value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        else:
            value = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        seconds = parse_retry_after(value, now=NOW)
        assert seconds is None or 0.0 <= seconds <= MAX_RETRY_AFTER_S, repr(value)


def test_backoff_doubles_to_its_cap_with_equal_jitter() -> None:
    rng = random.Random(0)
    for retry in range(12):
        ceiling = min(2.0, 0.05 * 2**retry)
        for _ in range(200):
            delay = backoff_delay(retry, base_s=0.05, max_s=2.0, rng=rng)
            assert ceiling / 2 <= delay <= ceiling


def test_backoff_is_reproducible_from_a_seed() -> None:
    first = [backoff_delay(n, base_s=0.1, max_s=5.0, rng=random.Random(3)) for n in range(5)]
    again = [backoff_delay(n, base_s=0.1, max_s=5.0, rng=random.Random(3)) for n in range(5)]
    assert first == again
    # the formula the trainer's client had: ceiling * (0.5 + 0.5 * draw)
    rng, draws = random.Random(3), random.Random(3)
    assert backoff_delay(2, base_s=0.1, max_s=5.0, rng=rng) == 0.4 * (0.5 + 0.5 * draws.random())


def test_retry_after_is_a_floor_not_a_cut() -> None:
    rng = random.Random(1)
    # longer than the backoff: it wins, even past max_s (its own cap was applied when parsed)
    assert backoff_delay(0, base_s=0.1, max_s=5.0, retry_after=12.0, rng=rng) == 12.0
    # shorter than the backoff: the backoff wins
    for retry_after in (0.0, 0.01, -3.0, math.nan):
        delay = backoff_delay(3, base_s=0.1, max_s=5.0, retry_after=retry_after, rng=rng)
        assert 0.4 <= delay <= 0.8


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert 1.0 <= backoff_delay(10**9, base_s=0.1, max_s=2.0) <= 2.0
    assert backoff_delay(10**9, base_s=0.0, max_s=2.0) == 0.0
    assert 1.0 <= backoff_delay(5000, base_s=math.inf, max_s=2.0) <= 2.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"retry": -1, "base_s": 0.1, "max_s": 1.0},
        {"retry": 0, "base_s": -0.1, "max_s": 1.0},
        {"retry": 0, "base_s": 0.1, "max_s": -1.0},
        {"retry": 0, "base_s": math.nan, "max_s": 1.0},
    ],
)
def test_backoff_refuses_negative_or_nan_inputs(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        backoff_delay(int(kwargs.pop("retry")), **kwargs)
