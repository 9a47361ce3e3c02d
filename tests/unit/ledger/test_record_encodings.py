"""The one-pass encodings (``tx_bytes``, ``encode_*_with``) equal the defining ones.

Blocks and txs are made by the chain helpers; txs get random args through
hypothesis, so the spliced and split encodings are checked beyond the
fixed vectors.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.codec import Encoded, encode
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.storage import MemoryStore
from govchain.types import Receipt, Tx

from ...chain_support import ChainMaker

MAKER = ChainMaker.make("intl")
_arg_values = st.one_of(
    st.binary(max_size=40), st.text(max_size=20), st.integers(0, 2**64 - 1), st.booleans()
)


@settings(max_examples=80, deadline=None)
@given(args=st.dictionaries(st.text(min_size=1, max_size=12), _arg_values, max_size=6))
def test_tx_bytes_equals_signing_bytes_and_encoding(args: dict[str, object]) -> None:
    key = MAKER.keys[0]
    tx = records.sign_tx(
        key, Tx("test-chain", "kv.put", args, "key", key.public_key, os.urandom(16), 9)
    )
    both = records.tx_bytes(tx)
    assert both.signing == records.tx_signing_bytes(tx)
    assert both.encoded == records.encode_tx(tx)


def test_spliced_block_and_receipts_equal_their_plain_encodings() -> None:
    chain = ChainStore.create(MemoryStore(TABLES), MAKER.genesis)
    MAKER.grow(chain, 3, txs_per_block=4)
    with chain.view() as view:
        for height in (1, 2, 3):
            block = view.block(height)
            encoded = [records.encode_tx(tx) for tx in block.txs]
            assert records.encode_block_with(block, encoded) == records.encode_block(block)
            receipts = view.receipts(height)
            pieces = [records.encode_receipt(r) for r in receipts]
            assert records.encode_receipts_with(pieces) == records.encode_receipts(receipts)
    assert records.encode_receipts_with([]) == records.encode_receipts(list[Receipt]())


def test_encoded_is_copied_verbatim() -> None:
    inner = encode({"b": 2, "a": 1})
    assert encode([Encoded(inner), 3]) == encode([{"a": 1, "b": 2}, 3])
