"""What the demo puts on chain before the first case: types, matters, the process, accounts.

Each department defines the asset type it issues (examples/asset-types,
with itself as the issuer) and its matter (the matter codes of
examples/processes/enterprise-setup.toml); the window publishes the
process. Each department gets an adapter account (a ``system`` account of
its member with the ``client`` role and a locker) named with
``workflow.adapter_set``. Each applicant is a demo enterprise subject with
a locker. Txs that do not depend on each other are submitted together and
then waited for; a refused tx raises :class:`SetupError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from govchain.client.asset_types import load_type_file
from govchain.client.assets import AssetClient
from govchain.client.locker_keys import read_password_file
from govchain.client.process_files import load_process_file
from govchain.client.registry import RegistryClient
from govchain.client.sdk import NodeClient
from govchain.client.subjects import SubjectClient
from govchain.client.submission import committed_receipt, submit_args
from govchain.client.workflow import WorkflowClient
from govchain.contracts.assets import TypeDefineArgs, assets_tx
from govchain.contracts.registry.subject_txs import SubjectApplyArgs, SubjectDecideArgs
from govchain.contracts.registry.txs import AccountAddArgs
from govchain.contracts.workflow import MatterDefineArgs, workflow_tx
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.enterprise_demo.plan import (
    MATTERS,
    PROCESS_CODE,
    applicant_code,
    applicant_name,
    department_of,
)
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from govchain.types import Tx
from govchain.types.errors import GovChainError

__all__ = [
    "AdapterAccount",
    "Applicant",
    "SetupError",
    "create_adapters",
    "create_applicants",
    "define_matter_list",
    "member_admin",
    "publish_process",
]

COMMIT_TIMEOUT_S = 60.0
PARALLEL_LOCKERS = 4
"""Locker inits in flight at once (each stores a wrapped key on the storage nodes first)."""
MATTER_TIME_LIMIT_DAYS = 1


class SetupError(GovChainError):
    """A setup tx was refused or not committed; the message names what was being set up."""

    code = "demo_setup"


@dataclass(frozen=True, slots=True)
class AdapterAccount:
    """A department's adapter account: its key file and locker password file."""

    kind: str
    department: str
    address: bytes
    key_file: Path
    password_file: Path


@dataclass(frozen=True, slots=True)
class Applicant:
    """A demo enterprise that applies: its key file, address, name and locker password."""

    index: int
    address: bytes
    code: str
    name: str
    key_file: Path
    password_file: Path


def member_admin(layout: NetworkLayout, code: str) -> SigningKey:
    """The admin key of member ``code`` of the layout; KeyError if it has none."""
    for member_code, _, key_file in layout.members:
        if member_code == code:
            return read_signing_key(key_file)
    raise KeyError(code)


Submission = tuple[str, Callable[[], tuple[Tx, bytes]]]
"""What a tx sets up (for errors) and how to submit it (returning the tx and its hash)."""


def commit_all(node: NodeClient, submissions: Sequence[Submission]) -> None:
    """Submit every tx, then wait for each; SetupError for the first one refused."""
    sent = [(what, submit()[1]) for what, submit in submissions]
    for what, tx_hash in sent:
        receipt = committed_receipt(node, tx_hash, COMMIT_TIMEOUT_S)
        if receipt.status != 0:
            raise SetupError(f"{what}: refused: {receipt.error}")


def define_matter_list(node: NodeClient, layout: NetworkLayout, examples: Path) -> None:
    """Each department defines its output type (itself the issuer), then its matter."""
    types: list[Submission] = []
    matters: list[Submission] = []
    for matter in MATTERS:
        department = department_of(matter.kind)
        admin = member_admin(layout, department.code)
        document = load_type_file(examples / "asset-types" / f"{matter.type_file}.toml")
        type_args = TypeDefineArgs.from_args({**document, "issuers": [department.code]})
        types.append(
            (f"asset type {type_args.code}", _submitter(node, admin, assets_tx, type_args))
        )
        matter_args = MatterDefineArgs(
            matter.code, matter.name, matter.matter_kind, department.code,
            MATTER_TIME_LIMIT_DAYS, (type_args.code,), (), matter.fields,
        )  # fmt: skip
        matters.append((f"matter {matter.code}", _submitter(node, admin, workflow_tx, matter_args)))
    commit_all(node, types)
    commit_all(node, matters)


def publish_process(node: NodeClient, layout: NetworkLayout, examples: Path) -> int:
    """The window publishes examples/processes/enterprise-setup.toml; its version."""
    definition = load_process_file(examples / "processes" / f"{PROCESS_CODE}.toml")
    window = member_admin(layout, department_of("window").code)
    return WorkflowClient(node, window).publish(definition)


def create_adapters(
    node: NodeClient, layout: NetworkLayout, directory: Path
) -> list[AdapterAccount]:
    """One adapter account per department: added, with a locker, named by adapter_set."""
    suite = suite_for(layout.suite)
    adapters: list[AdapterAccount] = []
    adds: list[Submission] = []
    for matter in MATTERS:
        department = department_of(matter.kind)
        home = directory / matter.kind
        home.mkdir(parents=True)
        key = suite.generate_key()
        key_file, password_file = home / "key.pem", home / "locker-password"
        write_file_atomic(key_file, key.to_pem())
        write_file_atomic(password_file, f"demo adapter {matter.kind} locker\n".encode())
        address = records.address_of(suite, key.public_key)
        adapters.append(
            AdapterAccount(matter.kind, department.code, address, key_file, password_file)
        )
        admin = member_admin(layout, department.code)
        args = AccountAddArgs(key.public_key, "system", ("client",), "adapter")
        adds.append(
            (f"adapter account of {matter.kind}",
             partial(RegistryClient(node).add_account, admin, args))
        )  # fmt: skip
    commit_all(node, adds)
    _init_lockers(node, [(a.key_file, a.password_file) for a in adapters])
    for adapter in adapters:
        admin = member_admin(layout, adapter.department)
        WorkflowClient(node, admin).set_adapter(adapter.department, adapter.address)
    return adapters


def create_applicants(
    node: NodeClient, layout: NetworkLayout, directory: Path, count: int
) -> list[Applicant]:
    """``count`` demo enterprises: registered by the window's member, each with a locker."""
    suite = suite_for(layout.suite)
    window = department_of("window")
    admin = member_admin(layout, window.code)
    applicants: list[Applicant] = []
    applies: list[Submission] = []
    approvals: list[Submission] = []
    for index in range(count):
        home = directory / f"applicant-{index + 1:03d}"
        home.mkdir(parents=True)
        key = suite.generate_key()
        key_file, password_file = home / "key.pem", home / "locker-password"
        write_file_atomic(key_file, key.to_pem())
        write_file_atomic(password_file, f"demo applicant {index + 1} locker\n".encode())
        applicant = Applicant(
            index, records.address_of(suite, key.public_key), applicant_code(index),
            applicant_name(index), key_file, password_file,
        )  # fmt: skip
        applicants.append(applicant)
        apply = SubjectApplyArgs("enterprise", window.code, applicant.code, applicant.name)
        applies.append(
            (f"subject of applicant {index + 1}",
             partial(SubjectClient(node).apply, key, apply))
        )  # fmt: skip
        decide = SubjectDecideArgs(applicant.address, True, "演示企业", ("transact",))
        approvals.append(
            (f"approval of applicant {index + 1}",
             partial(SubjectClient(node).decide, admin, decide))
        )  # fmt: skip
    commit_all(node, applies)
    commit_all(node, approvals)
    _init_lockers(node, [(a.key_file, a.password_file) for a in applicants])
    return applicants


def _submitter(
    node: NodeClient, key: SigningKey, builder: Callable[..., Tx], args: object
) -> Callable[[], tuple[Tx, bytes]]:
    return partial(submit_args, node, key, builder, args)


def _init_lockers(node: NodeClient, accounts: list[tuple[Path, Path]]) -> None:
    def init(account: tuple[Path, Path]) -> None:
        key_file, password_file = account
        password = read_password_file(password_file)
        with (
            NodeClient(node.urls, ca_bundle=None) as own,
            AssetClient(own, read_signing_key(key_file)) as client,
        ):
            client.init_locker(password)

    with ThreadPoolExecutor(PARALLEL_LOCKERS) as pool:
        list(pool.map(init, accounts))
