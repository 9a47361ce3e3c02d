"""Where a supervisor stands: the scanned height and the open steps, kept in a small JSON file.

``<state dir>/supervisor.json``, written atomically (a temporary file,
flushed, then renamed over the old one) so a crash leaves the old or the
new file, never half of one. It names the chain it belongs to; a file of
another chain, or one that does not parse, is refused naming the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from govchain.crypto.keyfiles import write_file_atomic
from govchain.types.errors import GovChainError, ValidationError
from govchain.types.fields import check_uint

__all__ = [
    "OPEN_STEPS_MAX",
    "PROGRESS_FILE",
    "PROGRESS_FORMAT",
    "OpenStep",
    "Progress",
    "ProgressFileError",
    "load_progress",
    "save_progress",
]

PROGRESS_FILE = "supervisor.json"
PROGRESS_FORMAT = "govchain/supervisor-progress/v1"
OPEN_STEPS_MAX = 100_000
"""Open steps one supervisor keeps (a file with more is refused)."""
_FILE_BYTES_MAX = 32 * 1024 * 1024
_STEP_ID = re.compile(r"^[a-z0-9_]{1,32}$")


class ProgressFileError(GovChainError):
    """The state file cannot be read or written: the message names it and says why."""

    code = "supervisor_state"


@dataclass(frozen=True, slots=True)
class OpenStep:
    """A ready or returned step that is not flagged overdue yet, and its deadline (BFT ms)."""

    case: bytes
    step: str
    deadline: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        if not isinstance(self.case, bytes) or len(self.case) != 16:
            raise ValidationError("open step case: expected 16 bytes")
        if not isinstance(self.step, str) or not _STEP_ID.match(self.step):
            raise ValidationError("open step step: expected 1..32 of a-z 0-9 _")
        check_uint("open step deadline", self.deadline)


@dataclass(frozen=True, slots=True)
class Progress:
    """The scanned height of chain ``chain_id`` and the open steps."""

    chain_id: str
    scanned: int
    open: tuple[OpenStep, ...]

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_uint("scanned", self.scanned)
        if len(self.open) > OPEN_STEPS_MAX:
            raise ValidationError(f"open: at most {OPEN_STEPS_MAX} steps")
        for step in self.open:
            step.validate()

    def to_json(self) -> dict[str, object]:
        """The file's JSON object."""
        steps = [{"case": s.case.hex(), "step": s.step, "deadline": s.deadline} for s in self.open]
        return {
            "format": PROGRESS_FORMAT, "chain_id": self.chain_id, "scanned": self.scanned,
            "open": steps,
        }  # fmt: skip


def _parsed(obj: object) -> Progress:
    if not isinstance(obj, dict) or obj.get("format") != PROGRESS_FORMAT:
        raise ValidationError(f"expected a JSON object of format {PROGRESS_FORMAT}")
    steps = obj.get("open")
    if not isinstance(steps, list):
        raise ValidationError("open: expected a list")
    try:
        found = tuple(OpenStep(bytes.fromhex(s["case"]), s["step"], s["deadline"]) for s in steps)
    except (TypeError, KeyError, ValueError) as exc:
        raise ValidationError(f"open: each step is {{case, step, deadline}} ({exc})") from None
    progress = Progress(str(obj.get("chain_id")), obj.get("scanned"), found)  # type: ignore[arg-type]
    progress.validate()
    return progress


def load_progress(directory: Path, chain_id: str) -> Progress:
    """The progress kept in ``directory`` (a fresh start when there is no file yet)."""
    path = directory / PROGRESS_FILE
    try:
        with path.open("rb") as file:
            raw = file.read(_FILE_BYTES_MAX + 1)
    except FileNotFoundError:
        return Progress(chain_id, 0, ())
    except OSError as exc:
        raise ProgressFileError(f"{path}: {exc.strerror or exc}") from exc
    if len(raw) > _FILE_BYTES_MAX:
        raise ProgressFileError(f"{path}: larger than {_FILE_BYTES_MAX} bytes")
    try:
        progress = _parsed(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, ValidationError) as exc:
        raise ProgressFileError(f"{path}: not a supervisor state file: {exc}") from exc
    if progress.chain_id != chain_id:
        raise ProgressFileError(
            f"{path}: kept for chain {progress.chain_id!r}, not {chain_id!r}; "
            "give another --state-dir"
        )
    return progress


def save_progress(directory: Path, progress: Progress) -> None:
    """Write ``progress`` to ``directory`` atomically (the directory is made if need be)."""
    path = directory / PROGRESS_FILE
    data = json.dumps(progress.to_json(), separators=(",", ":")).encode("utf-8")
    try:
        write_file_atomic(path, data, mode=0o644)
    except OSError as exc:
        raise ProgressFileError(f"{path}: {exc.strerror or exc}") from exc
