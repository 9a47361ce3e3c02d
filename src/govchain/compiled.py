"""Compiled hot paths: which modules ``make install`` compiles with mypyc, and when to use them.

The canonical codec and the state tree run on every tx many times
(docs/performance.md, "bench profile"). ``make install`` compiles the
modules of :data:`COMPILED` with mypyc into extension modules beside their
sources (``scripts/build_compiled.py``) and writes :data:`MANIFEST`: the
SHA-256 of each source it compiled. Python prefers an extension
module to a source file, so nothing else changes: same names, same
functions, same bytes (tests/unit/test_compiled.py runs the codec and
state-tree vectors both ways).

The source stays the truth. At import (``govchain/__init__.py`` calls
:func:`choose`), if the environment asks for pure Python
(``GOVCHAIN_PURE_PYTHON=1``), or any compiled module's source differs from
the one it was compiled from, every module of :data:`COMPILED` is loaded
from its source instead, all together (compiled modules call each other
directly, so a mix is never used), with one line on stderr in the second
case. This module itself is never compiled.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["COMPILED", "MANIFEST", "PURE_ENV", "choose", "compiled_modules", "source_digests"]

COMPILED: tuple[str, ...] = (
    "govchain.codec.errors",
    "govchain.codec.limits",
    "govchain.codec.encode",
    "govchain.codec.decode",
    "govchain.codec.hashing",
    "govchain.ledger.statetree.errors",
    "govchain.ledger.statetree.nodes",
    "govchain.ledger.statetree.tree",
)
"""Modules compiled with mypyc, each a mypy-strict module of the pure layers."""

PURE_ENV = "GOVCHAIN_PURE_PYTHON"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).resolve().parent / "compiled.json"
"""Written by the build: ``{"modules": {name: sha256 of the source compiled}}``."""


def _source(name: str) -> Path:
    return _PACKAGE_ROOT.joinpath(*name.split(".")).with_suffix(".py")


def source_digests(names: Sequence[str] = COMPILED) -> dict[str, str]:
    """SHA-256 (hex) of each module's source as it is now."""
    return {name: hashlib.sha256(_source(name).read_bytes()).hexdigest() for name in names}


def _stale_reason() -> str | None:
    """Why the compiled modules must not be used now, or None when they may."""
    try:
        recorded = json.loads(MANIFEST.read_text(encoding="utf-8"))["modules"]
    except (OSError, ValueError, KeyError, TypeError):
        return "no build manifest"
    if not isinstance(recorded, dict) or set(recorded) != set(COMPILED):
        return "the build manifest lists other modules"
    try:
        now = source_digests()
    except OSError as exc:
        return f"a source cannot be read ({exc.strerror})"
    changed = [name for name, digest in now.items() if recorded.get(name) != digest]
    if changed:
        return f"{', '.join(changed)} changed since it was compiled"
    return None


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Finds the modules of :data:`COMPILED` as source files, whatever else is beside them."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,  # noqa: ARG002 (the finder protocol's signature)
        target: ModuleType | None = None,  # noqa: ARG002
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        source = _source(fullname)
        loader = importlib.machinery.SourceFileLoader(fullname, str(source))
        return importlib.util.spec_from_file_location(fullname, source, loader=loader)


def _any_built() -> bool:
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return any(_source(name).with_suffix(s).exists() for name in COMPILED for s in suffixes)


def choose() -> None:
    """Load the modules of :data:`COMPILED` from source when asked or when their build is stale."""
    if any(isinstance(finder, _SourceFirst) for finder in sys.meta_path):
        return
    if os.environ.get(PURE_ENV) == "1":
        sys.meta_path.insert(0, _SourceFirst())
        return
    if not _any_built():
        return
    reason = _stale_reason()
    if reason is not None:
        sys.meta_path.insert(0, _SourceFirst())
        print(
            f"govchain: compiled modules not used ({reason}); running pure Python."
            " `make install` compiles them again.",
            file=sys.stderr,
        )


def compiled_modules() -> list[str]:
    """The modules of :data:`COMPILED` that are loaded as extension modules now."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    loaded = {name: str(getattr(sys.modules.get(name), "__file__", "")) for name in COMPILED}
    return [name for name, file in loaded.items() if file.endswith(suffixes)]
