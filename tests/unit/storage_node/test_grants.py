"""A real asset and a real locker, proven through the chain API shapes, grant what the spec says.

An asset issued on a real chain (``AssetChain``) is read as the storage node
reads it: ``GET /v1/assets/{content id}`` and ``GET /v1/lockers/{address}/key``
answers with their state facts, verified against the genesis.
"""

from __future__ import annotations

import json

import httpx
import pytest

from govchain.contracts import ChainReader
from govchain.contracts.assets import IssueArgs
from govchain.contracts.assets.reads import asset_with_fact, locker_with_fact, parse_asset_ref
from govchain.contracts.registry.reads import account_with_fact
from govchain.storage_node.access import AccessRefusedError, check_read
from govchain.storage_node.chain_source import HttpChainSource
from govchain.storage_node.grants import GRANT_READS
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, AssetChain, ok

NODE = "http://chain:1"


@pytest.fixture(scope="module")
def ac() -> AssetChain:
    chain = AssetChain.make("gm")
    ok(chain.define(chain.gc.admins[0]))
    return chain


def _chain_api(ac: AssetChain) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with ac.gc.chain.view() as view:
            reader = ChainReader(view)
            if path.startswith("/v1/assets/"):
                asset = asset_with_fact(reader, parse_asset_ref(path.rsplit("/", 1)[1]))
                record, name, proven = asset.asset, "asset", asset.proven
            elif path.startswith("/v1/accounts/"):
                account = account_with_fact(reader, bytes.fromhex(path.rsplit("/", 1)[1]))
                record, name, proven = account.account, "account", account.proven  # type: ignore[assignment]
            elif path.startswith("/v1/lockers/"):
                locker = locker_with_fact(reader, bytes.fromhex(path.split("/")[3]))
                record, name, proven = locker.locker, "locker", locker.proven  # type: ignore[assignment]
            else:
                return httpx.Response(404, json={"error": {"code": "not_found", "message": ""}})
        if record is None:
            return httpx.Response(404, json={"error": {"code": "not_found", "message": ""}})
        body = {name: record.to_json(), "fact": proven.fact.to_json()}
        return httpx.Response(200, content=json.dumps(body).encode())

    return httpx.MockTransport(handle)


def test_an_issued_asset_grants_its_blob_to_its_holder_and_issuer(ac: AssetChain) -> None:
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    args = IssueArgs(ac.new_version(holder), TYPE_CODE, holder, "authority")
    ok(ac.send(ac.gc.admins[0], args))
    source = HttpChainSource((NODE,), ac.gc.genesis, GRANT_READS, transport=_chain_api(ac))
    content_id = args.new.content_id
    grant = source.grant("asset", content_id)
    assert grant is not None
    assert grant.blob_hash == args.new.content.blob.hash
    assert (grant.holder, grant.issuer) == (holder, ac.gc.codes[0])
    assert source.grant("asset", bytes(16)) is None

    locker = source.grant("locker", holder)
    assert locker is not None
    assert (locker.holder, locker.issuer) == (holder, "")
    admin = source.account(ac.gc.address(ac.gc.admins[0]))
    assert admin is not None
    check_read(admin, grant.blob_hash, grant)  # the issuing member's admin reads the content
    with pytest.raises(AccessRefusedError):
        check_read(admin, locker.blob_hash, locker)  # but never a locker's wrapped key
