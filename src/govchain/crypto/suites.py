"""Look up a crypto suite by name."""

from __future__ import annotations

from govchain.crypto.gm import GmSuite
from govchain.crypto.intl import IntlSuite
from govchain.crypto.suite import CryptoSuite
from govchain.types.errors import CryptoError

__all__ = ["SUITE_NAMES", "suite_for"]

SUITE_NAMES = ("gm", "intl")


def suite_for(name: str, user_id: bytes | None = None) -> CryptoSuite:
    """The suite called ``name``; ``user_id`` sets the GM/T 0009 signer ID of ``gm``."""
    if name == "gm":
        return GmSuite() if user_id is None else GmSuite(user_id)
    if name == "intl":
        return IntlSuite()
    raise CryptoError(f"unknown crypto suite {name!r}; choose one of {', '.join(SUITE_NAMES)}")
