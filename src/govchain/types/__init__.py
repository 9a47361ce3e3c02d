"""Plain typed values shared by every layer: records, messages and the error tree."""

from govchain.types.block import Block, Header
from govchain.types.commit import Commit, CommitSig, Vote, VoteType
from govchain.types.genesis import Genesis
from govchain.types.network_registry import Member, NetworkRegistry, NodeEntry
from govchain.types.receipt import STATUS_OK, Event, Receipt
from govchain.types.tx import Tx
from govchain.types.validators import Validator, ValidatorSet

__all__ = [
    "STATUS_OK",
    "Block",
    "Commit",
    "CommitSig",
    "Event",
    "Genesis",
    "Header",
    "Member",
    "NetworkRegistry",
    "NodeEntry",
    "Receipt",
    "Tx",
    "Validator",
    "ValidatorSet",
    "Vote",
    "VoteType",
]
