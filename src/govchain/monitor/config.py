"""The monitor's config file (``--config monitor.toml``; docs/spec/monitoring.md "CLI").

Tables ``[thresholds]`` (a key per rule), ``[rules] disabled = [...]`` and
``[certificates] files = [...]`` (PEM files to watch; relative paths are
taken from the config file's directory). Every error names the file and
the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from govchain.monitor.rules import Thresholds
from govchain.types.errors import ValidationError

__all__ = ["CERT_FILES_MAX", "CONFIG_BYTES_MAX", "MonitorConfig", "load_config"]

CONFIG_BYTES_MAX = 256 * 1024
CERT_FILES_MAX = 256
_TABLES = ("thresholds", "rules", "certificates")


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """The thresholds in force and the certificate files to watch."""

    thresholds: Thresholds
    certificate_files: tuple[Path, ...] = ()

    def validate(self) -> None:
        """Raise ValidationError naming the first key out of its range."""
        self.thresholds.validate()
        if len(self.certificate_files) > CERT_FILES_MAX:
            raise ValidationError(f"certificates.files: at most {CERT_FILES_MAX} files")


def load_config(path: Path | None) -> MonitorConfig:
    """The config in ``path`` (None: the defaults); ValidationError names the file and key."""
    if path is None:
        return MonitorConfig(Thresholds())
    try:
        with path.open("rb") as file:
            raw = file.read(CONFIG_BYTES_MAX + 1)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > CONFIG_BYTES_MAX:
        raise ValidationError(f"{path}: larger than {CONFIG_BYTES_MAX} bytes")
    try:
        document = tomllib.loads(raw.decode("utf-8"))
        config = _config(document, path.parent)
        config.validate()
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"{path}: not TOML: {exc}") from None
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None
    return config


def _table(document: dict[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise ValidationError(f"{name}: expected a table")
    for key in table:
        if key not in keys:
            raise ValidationError(f"{name}.{key}: unknown key (allowed: {', '.join(sorted(keys))})")
    return table


def _config(document: dict[str, Any], base: Path) -> MonitorConfig:
    for name in document:
        if name not in _TABLES:
            raise ValidationError(f"{name}: unknown table (allowed: {', '.join(_TABLES)})")
    keys = {f.name for f in fields(Thresholds) if f.name != "disabled"}
    thresholds = _table(document, "thresholds", keys)
    for key, value in thresholds.items():
        if type(value) is not int:
            raise ValidationError(f"thresholds.{key}: expected a whole number")
    disabled = _table(document, "rules", {"disabled"}).get("disabled", [])
    files = _table(document, "certificates", {"files"}).get("files", [])
    for key, value in (("rules.disabled", disabled), ("certificates.files", files)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"{key}: expected a list of strings")
    return MonitorConfig(
        Thresholds(**thresholds, disabled=frozenset(disabled)),
        tuple(base / f for f in files),
    )
