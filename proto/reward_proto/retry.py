"""Retry timing shared by everything that calls a scoring service: `Retry-After` and backoff.

Two rules, the same for the trainer's reward client and the server's upstream judge client:

- `parse_retry_after` reads a `Retry-After` header (RFC 9110: delta-seconds or an HTTP-date) as
  seconds from now, capped at `max_s`; a value it cannot trust is None, as if it was not sent.
- `backoff_delay` is jittered exponential backoff ("equal jitter": a delay in [ceiling / 2,
  ceiling], the ceiling doubling from `base_s` up to `max_s`). A server's `Retry-After` is a
  floor on it: the caller never comes back sooner than it was asked to, but asking for less does
  not make it come back sooner than its backoff. The floor is not cut to `max_s` (a busy server
  knows best); its bound is the cap `parse_retry_after` parsed it with, and the caller's deadline.

Standard library only: the wire contract imports nothing but itself.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time
from datetime import UTC

MAX_RETRY_AFTER_S = 300.0
"""The default cap on a `Retry-After`: a server asking for longer is read as asking for this."""

# A delta-seconds value (fractions are accepted: some servers send them), or an HTTP-date, is far
# shorter than this; anything longer is refused before it is parsed.
_MAX_HEADER_CHARS = 64
_DELTA_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
# 2.0 ** _MAX_DOUBLINGS is finite, so no attempt number overflows the ceiling's arithmetic.
_MAX_DOUBLINGS = 1000


def parse_retry_after(
    value: str | None, *, max_s: float = MAX_RETRY_AFTER_S, now: float | None = None
) -> float | None:
    """A `Retry-After` header value as seconds from now, in [0, `max_s`]; None when there is none
    or it is garbage.

    - delta-seconds (`"120"`, also `"1.5"`): that many seconds, capped at `max_s` (`"1e999"`,
      `"inf"` and `"nan"` are not delta-seconds, so they are garbage, but `"99999999999"` is `max_s`);
    - an HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, read as UTC when it names no zone): the
      seconds until then from `now` (a `time.time()`, default the current one), 0 when it is past,
      capped at `max_s`;
    - anything else, a negative number included, and any value longer than 64 characters: None.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_HEADER_CHARS:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return min(max_s, float(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # an HTTP-date is always GMT
    try:
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (OverflowError, OSError, ValueError):
        return None
    return min(max_s, max(0.0, seconds))


def backoff_delay(
    retry: int,
    *,
    base_s: float,
    max_s: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """How long to wait before retry number `retry` (0 for the first retry).

    The ceiling is `min(max_s, base_s * 2**retry)` and the delay is drawn uniformly in
    [ceiling / 2, ceiling] from `rng` (default: the `random` module), so that clients that failed
    together do not come back together. `retry_after` (seconds, from `parse_retry_after`) is a floor:
    the delay is `max(backoff, retry_after)`. Negative or NaN inputs are refused with ValueError.
    """
    if retry < 0:
        raise ValueError(f"retry must be >= 0, got {retry}")
    if not (base_s >= 0 and max_s >= 0):
        raise ValueError(f"base_s and max_s must be >= 0, got {base_s} and {max_s}")
    ceiling = min(max_s, base_s * 2.0 ** min(retry, _MAX_DOUBLINGS))
    draw = (rng or random).random()
    delay = ceiling * (0.5 + 0.5 * draw)
    if retry_after is not None and not math.isnan(retry_after):
        delay = max(delay, retry_after)
    return delay
