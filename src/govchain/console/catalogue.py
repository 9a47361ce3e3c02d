"""The console's message catalogue: every label in Chinese (the default) and in English.

A page asks :func:`text` for a label by its key; a key missing from a
language is a programming error (the unit tests check both languages hold
the same keys). Values from the chain (case and step states, tx statuses)
are labelled through keys ``state.<value>``; a value without one is shown as
the chain wrote it.
"""

from __future__ import annotations

from govchain.console.catalogue_access import ACCESS_EN, ACCESS_ZH
from govchain.console.catalogue_messages import MESSAGES_EN, MESSAGES_ZH
from govchain.console.catalogue_pages_en import PAGES_EN
from govchain.console.catalogue_pages_zh import PAGES_ZH
from govchain.console.catalogue_scoped import SCOPED_EN, SCOPED_ZH

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "MESSAGES", "language_of", "text", "value_text"]

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")

_ZH: dict[str, str] = dict(PAGES_ZH)
_EN: dict[str, str] = dict(PAGES_EN)
_ZH.update(ACCESS_ZH)
_EN.update(ACCESS_EN)
_ZH.update(MESSAGES_ZH)
_EN.update(MESSAGES_EN)
_ZH.update(SCOPED_ZH)
_EN.update(SCOPED_EN)

MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
"""Language -> key -> label."""


def language_of(asked: str | None) -> str:
    """The language of a request's ``lang`` (query or cookie): ``zh`` unless ``en`` is asked."""
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def text(language: str, key: str, **values: object) -> str:
    """The label ``key`` in ``language``, with ``{name}`` fields filled from ``values``."""
    label = MESSAGES[language][key]
    return label.format(**values) if values else label


def value_text(language: str, value: str) -> str:
    """A chain value (a state, a status, a role) in ``language``, or as written if unlabelled."""
    return MESSAGES[language].get(f"state.{value}", value)
