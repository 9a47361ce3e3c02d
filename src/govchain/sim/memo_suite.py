"""The simulator's crypto suite: Ed25519 whose signature checks remember their answers.

In a simulated network every vote is checked by each of the other
validators, and again in every commit certificate that carries it: the
same ``(key, message, signature)`` is verified a dozen times or more, and
those checks were two fifths of a seed's time. A check is a pure function
of its bytes, so its answer is kept and given again; a damaged message is
other bytes and is checked for real. Nothing a node decides can differ.
"""

from __future__ import annotations

from govchain.crypto.intl import IntlSuite

__all__ = ["MAX_ANSWERS", "MemoVerifySuite"]

MAX_ANSWERS = 200_000
"""Answers kept before the memory starts over (a seed checks far fewer distinct ones)."""


class MemoVerifySuite(IntlSuite):
    """``IntlSuite`` with a memory of the signature checks it made."""

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[tuple[bytes, bytes, bytes], bool] = {}
        self.checked = 0
        """Signature checks really made (the rest were remembered)."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """``IntlSuite.verify``, once per distinct ``(public_key, message, signature)``."""
        key = (public_key, message, signature)
        answer = self._answers.get(key)
        if answer is None:
            answer = super().verify(public_key, message, signature)
            self.checked += 1
            if len(self._answers) >= MAX_ANSWERS:
                self._answers.clear()
            self._answers[key] = answer
        return answer
