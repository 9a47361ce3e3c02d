"""Response models of the chain-level routes, and the types every router's models use (F-F1).

Kept apart from ``govchain.types``: these are the JSON views a client sees,
with bytes as lowercase hex. A service's own models live in its router
(``govchain.api.routes.<service>``), built on :class:`ApiModel` and the
field types here. Records a client verifies offline (in receipt
bundles) travel as the hex of their canonical CBOR, as in docs/formats.md
section 6, so the verifier hashes exactly the bytes the chain hashed.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from govchain.api.service import TxStatusName
from govchain.ledger.proofs import MAX_PROOF_PATH, MAX_TRANSITIONS, TX_RECEIPT_FORMAT
from govchain.types.fields import HASH_SIZE
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "AddressHex",
    "ApiModel",
    "BlockHeader",
    "BlockResponse",
    "CommitCertificate",
    "CommitSignature",
    "ErrorDetail",
    "ErrorResponse",
    "HashHex",
    "Height",
    "Hex",
    "InclusionProof",
    "MaybeHashHex",
    "NodeStatus",
    "PeerInfo",
    "SetTransition",
    "StateFact",
    "StateProofModel",
    "TxAccepted",
    "TxBatchAccepted",
    "TxBatchItem",
    "TxReceiptBundle",
    "TxStatusResponse",
    "Uint",
    "ValidatorInfo",
]

Hex = Annotated[str, Field(pattern=r"^([0-9a-f]{2})*$", description="bytes as lowercase hex")]
HashHex = Annotated[
    str, Field(pattern=rf"^[0-9a-f]{{{2 * HASH_SIZE}}}$", description="a 32-byte hash as hex")
]
MaybeHashHex = Annotated[
    str,
    Field(
        pattern=rf"^([0-9a-f]{{{2 * HASH_SIZE}}})?$",
        description="a 32-byte hash as hex, empty at height 1",
    ),
]
AddressHex = Annotated[
    str, Field(pattern=rf"^[0-9a-f]{{{2 * ADDRESS_SIZE}}}$", description="a 20-byte address")
]
ReceiptFormat = Literal["govchain/tx-receipt/v1"]
assert get_args(ReceiptFormat) == (TX_RECEIPT_FORMAT,), "the receipt format the ledger writes"
Uint = Annotated[int, Field(ge=0)]
Height = Annotated[int, Field(ge=1)]


class ApiModel(BaseModel):
    """The base of every response model: no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(ApiModel):
    """What went wrong: a stable ``code`` and a message for people."""

    code: str = Field(examples=["malformed_tx"])
    message: str


class ErrorResponse(ApiModel):
    """Every error answer."""

    error: ErrorDetail


class TxAccepted(ApiModel):
    """A tx admitted to the mempool."""

    hash: HashHex


class TxBatchItem(ApiModel):
    """The outcome of one tx of a batch: its hash if admitted, else why it was refused."""

    hash: HashHex | None = None
    error: ErrorDetail | None = None


class TxBatchAccepted(ApiModel):
    """Per tx of a batch, in the order sent; refusing one never affects the others."""

    accepted: int = Field(ge=0, description="how many txs of the batch were admitted")
    results: list[TxBatchItem]


class InclusionProof(ApiModel):
    """RFC 6962 audit path of leaf ``index`` in a tree of ``size`` leaves."""

    index: Uint
    size: Uint
    leaf_hash: HashHex
    proof: list[HashHex] = Field(max_length=MAX_PROOF_PATH)


class StateProofModel(ApiModel):
    """A state-tree proof of one key: its leaf, an empty subtree, or another key's leaf."""

    key: Hex
    siblings: list[HashHex] = Field(max_length=256)
    terminal: Literal["leaf", "empty", "other_leaf"]
    value: Hex | None
    leaf_key_hash: HashHex | None
    leaf_value_hash: HashHex | None


class SetTransition(ApiModel):
    """A validator-set change since genesis, signed by the set before (docs/formats.md)."""

    announcing: Hex = Field(
        description="canonical CBOR of header start - 1, whose next_validators_hash names the set"
    )
    commit: Hex = Field(description="canonical CBOR of the Commit of the announcing header")
    previous: Hex = Field(description="canonical CBOR of header start - 2")
    proof: StateProofModel = Field(
        description="state proof of registry/validator_set against the previous header"
    )


SetTransitions = Annotated[
    list[SetTransition],
    Field(
        max_length=MAX_TRANSITIONS,
        description="every validator-set change up to the header's height, oldest first",
    ),
]


class TxReceiptBundle(ApiModel):
    """The ``govchain/tx-receipt/v1`` file: verify it offline with ``govchain verify``."""

    format: ReceiptFormat
    tx: Hex = Field(description="canonical CBOR of the Tx, as hex")
    receipt: Hex = Field(description="canonical CBOR of the Receipt, as hex")
    header: Hex = Field(description="canonical CBOR of the block Header, as hex")
    commit: Hex = Field(description="canonical CBOR of the Commit of that header, as hex")
    tx_proof: InclusionProof
    receipt_proof: InclusionProof
    transitions: SetTransitions


class StateFact(ApiModel):
    """The ``govchain/state-fact/v1`` object: a key's value after a block, provable offline."""

    format: Literal["govchain/state-fact/v1"]
    header: Hex = Field(description="canonical CBOR of the block Header, as hex")
    commit: Hex = Field(description="canonical CBOR of the Commit of that header, as hex")
    proof: StateProofModel
    transitions: SetTransitions


class TxStatusResponse(ApiModel):
    """Where a tx is; its receipt bundle once it is in a block."""

    hash: HashHex
    status: TxStatusName
    receipt: TxReceiptBundle | None


class BlockHeader(ApiModel):
    """A block header, bytes as hex (``govchain.types.Header``)."""

    chain_id: str
    height: Height
    time: Uint = Field(description="BFT time, milliseconds since the Unix epoch")
    prev_hash: MaybeHashHex
    tx_root: HashHex
    state_root: HashHex
    receipts_root: HashHex
    history_root: HashHex
    validators_hash: HashHex
    next_validators_hash: HashHex
    proposer: AddressHex
    last_commit_hash: MaybeHashHex


class CommitSignature(ApiModel):
    """One validator's precommit in a commit certificate."""

    validator: AddressHex
    time: Uint
    signature: Hex


class CommitCertificate(ApiModel):
    """Precommits of more than 2/3 of the power for one block."""

    chain_id: str
    height: Height
    round: Uint
    block_hash: HashHex
    signatures: list[CommitSignature]


class BlockResponse(ApiModel):
    """A committed block: its hash, header, tx hashes in order, and its commit."""

    hash: HashHex
    header: BlockHeader
    txs: list[HashHex] = Field(description="hashes of the block's txs, in order")
    commit: CommitCertificate | None = Field(
        description="the commit certificate of this block; null until the node has it"
    )


class PeerInfo(ApiModel):
    """A connected peer."""

    node_id: Hex
    address: str


class ValidatorInfo(ApiModel):
    """A member of the validator set."""

    address: AddressHex
    public_key: Hex
    power: Annotated[int, Field(ge=1)]
    name: str
    votes_from: Annotated[int, Field(ge=1)] = Field(
        description="the first height of the unbroken run of heights, up to the set's, in which"
        " this validator is in the set: 1 for a genesis validator never removed, H + 2 for one"
        " that block H added"
    )


class NodeStatus(ApiModel):
    """What a node is and how far it is."""

    node_id: Hex
    role: Literal["validator", "full"]
    chain_id: str
    suite: str = Field(description="the chain's crypto suite: gm or intl")
    height: Uint
    block_time: Uint = Field(
        description="BFT time of the latest block, ms since the Unix epoch (before the first"
        " block: the genesis time)"
    )
    state_root: Hex = Field(description="state root after the latest block; empty before it")
    peers: list[PeerInfo]
    validators: list[ValidatorInfo] = Field(
        description="the set that votes on the next block (height + 1), sorted by address"
    )
    next_validators: list[ValidatorInfo] = Field(
        description="the set that votes on the block after it (height + 2): it differs from"
        " `validators` when the latest block executed a validator-set change"
        " (docs/spec/ledger.md, 'Validator sets by height')"
    )
    syncing: bool
