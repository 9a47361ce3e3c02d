"""The small demo ``make run`` seeds once into its network (issue 19 item 7).

On a network laid out with the demo's members (``govchain net init
--demo``: the window, a regulator and the seven departments), the seed
defines each department's output type and matter, publishes the
enterprise-setup process, creates one demo enterprise subject with a
locker, and opens one case of it at the window. No department system or
adapter runs, so the case stays in progress at its first step: what the
console shows as a case being handled.

Each stage is recorded in ``D/demo/seed.json`` as it completes, so a
second run seeds nothing and a run stopped between stages goes on from the
next one (a stop is only taken between stages: a stage cut short by a
kill is not undone, and its txs are refused when submitted again). The
stages reuse the demo run's own functions (:mod:`~govchain.enterprise_demo.chain_setup`,
:mod:`~govchain.enterprise_demo.cases`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.client.sdk import NodeClient
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.enterprise_demo.cases import make_applications
from govchain.enterprise_demo.chain_setup import (
    Applicant,
    SetupError,
    create_applicants,
    define_matter_list,
    member_admin,
    publish_process,
)
from govchain.enterprise_demo.plan import DEMO_MEMBERS, examples_dir
from govchain.node.netinit import NetworkLayout

__all__ = ["SEED_DIR", "SEED_FILE", "Seeded", "read_seeded", "seed_demo"]

SEED_DIR = "demo"
SEED_FILE = "seed.json"
STAGES = ("matters", "process", "enterprise", "case")


@dataclass(frozen=True, slots=True)
class Seeded:
    """The seed of a network: its case in progress and the enterprise that applied."""

    case: str
    """The case id (32 hex digits)."""
    enterprise: str
    """The enterprise's address (hex)."""
    enterprise_name: str
    already: bool = False
    """True when an earlier run had seeded it (nothing was submitted now)."""


def read_seeded(directory: Path) -> Seeded | None:
    """The finished seed of the network in ``directory`` (None: not seeded, or not whole)."""
    record = _record(directory / SEED_DIR / SEED_FILE)
    if "case" not in record.get("stages", []):
        return None
    enterprise = record["enterprise"]
    return Seeded(str(record["case"]), str(enterprise["address"]), str(enterprise["name"]), True)


def seed_demo(
    node: NodeClient,
    layout: NetworkLayout,
    say: Callable[[str], None] = lambda _line: None,
    stop_requested: Callable[[], bool] = lambda: False,
) -> Seeded:
    """Seed the network once (see the module doc); SetupError names what was refused.

    ``stop_requested`` is read before each stage: once true, SetupError says
    the seed stopped there (a later run goes on from that stage).
    """
    _check_members(layout)
    directory = layout.directory / SEED_DIR
    seeded = read_seeded(layout.directory)
    if seeded is not None:
        return seeded
    path = directory / SEED_FILE
    record = _record(path)
    done: list[str] = list(record.get("stages", []))
    examples = examples_dir()
    _go_on(stop_requested, "matters")
    if "matters" not in done:
        say("defining the departments' asset types and matters")
        define_matter_list(node, layout, examples)
        _save(path, record, done, "matters")
    _go_on(stop_requested, "process")
    if "process" not in done:
        say("publishing the enterprise-setup process")
        publish_process(node, layout, examples)
        _save(path, record, done, "process")
    _go_on(stop_requested, "enterprise")
    if "enterprise" not in done:
        say("creating a demo enterprise with a locker")
        applicants_dir = directory / "enterprise"
        if applicants_dir.exists():
            raise SetupError(
                f"an earlier seed stopped while creating the enterprise ({applicants_dir}); "
                f"lay out a new network to seed it (remove {layout.directory})"
            )
        (applicant,) = create_applicants(node, layout, applicants_dir, 1)
        record["enterprise"] = _applicant_json(applicant)
        _save(path, record, done, "enterprise")
    applicant = _applicant(record["enterprise"])
    _go_on(stop_requested, "case")
    say("opening a case of the enterprise at the window")
    (case,) = make_applications(node, read_signing_key(layout.client_key), [applicant])
    record["case"] = case.hex()
    _save(path, record, done, "case")
    return Seeded(case.hex(), applicant.address.hex(), applicant.name)


def _go_on(stop_requested: Callable[[], bool], stage: str) -> None:
    if stop_requested():
        raise SetupError(f"the seed was stopped before its stage {stage}; run it again to go on")


def _check_members(layout: NetworkLayout) -> None:
    for member in DEMO_MEMBERS:
        try:
            member_admin(layout, member.code)
        except KeyError:
            raise SetupError(
                f"the network in {layout.directory} has no member {member.code} "
                f"({member.name}): it was not laid out with net init --demo, so the demo "
                f"cannot be seeded (remove {layout.directory} to lay out a new network)"
            ) from None


def _record(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SetupError(f"{path}: cannot read ({exc}); remove it and the network") from None
    if not isinstance(found, dict) or not set(found.get("stages", [])) <= set(STAGES):
        raise SetupError(f"{path}: not as the seed writes it")
    return found


def _save(path: Path, record: dict[str, Any], done: list[str], stage: str) -> None:
    done.append(stage)
    record["stages"] = list(done)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    write_file_atomic(path, text.encode("utf-8"))


def _applicant_json(applicant: Applicant) -> dict[str, Any]:
    return {
        "address": applicant.address.hex(),
        "code": applicant.code,
        "name": applicant.name,
        "key_file": str(applicant.key_file),
        "password_file": str(applicant.password_file),
    }


def _applicant(found: dict[str, Any]) -> Applicant:
    try:
        return Applicant(
            0, bytes.fromhex(found["address"]), str(found["code"]), str(found["name"]),
            Path(found["key_file"]), Path(found["password_file"]),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise SetupError(f"{SEED_FILE}: enterprise: not as the seed writes it ({exc})") from None
