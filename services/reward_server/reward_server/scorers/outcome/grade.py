"""What grading one answer decided, wherever it was decided: in the server process (the fast
paths, the policy) or in a verifier worker."""

from __future__ import annotations

from dataclasses import dataclass

from reward_proto import ItemStatus


@dataclass(frozen=True, slots=True)
class Grade:
    """Accuracy in [0, 1] with its reason (status `ok`), or a non-ok status with the reason as
    its error; never both."""

    status: ItemStatus
    accuracy: float | None
    reason: str
    over_limit: bool = False  # a timeout at the per-item limit (the item's own cost, not a deadline)

    @classmethod
    def ok(cls, accuracy: float, reason: str) -> Grade:
        return cls(ItemStatus.OK, accuracy, reason)

    @classmethod
    def failed(cls, status: ItemStatus, reason: str, *, over_limit: bool = False) -> Grade:
        return cls(status, None, reason, over_limit)
