"""Router of service ``registry`` (docs/spec/registry.md, "Reads"): members, nodes, accounts.

Thin: parse, run a ``contracts.registry.reads`` function with the node's
proving read, map to the models below. Single records carry their state
fact; pages list records without proofs (fetch one record for its proof).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.request_signatures import SIGNED_READ_RESPONSES, SignedReads
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    address_path,
    cursor_query,
    limit_query,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.schemas import AddressHex, ApiModel, Hex, StateFact, Uint
from govchain.api.service import NodeService
from govchain.codes.errors import CodeError
from govchain.codes.uscc import check_uscc
from govchain.contracts.registry.reads import (
    REGISTRY_PAGE_DEFAULT,
    REGISTRY_PAGE_MAX,
    account_with_fact,
    may_read_subject,
    member_with_fact,
    members_page,
    nodes_page,
    subject_with_fact,
)
from govchain.contracts.registry.records import Account
from govchain.contracts.registry.state import account_key
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["account_signed_reads", "own_address", "registry_routes"]

_FACT_CODES = ("no_blocks", "busy")


class Member(ApiModel):
    """A consortium member (F-B1)."""

    code: str = Field(description="统一社会信用代码 (GB 32100)")
    name: str
    status: Literal["active", "suspended", "exited"]
    permissions: list[Literal["contract", "node", "subject"]]
    weight: Uint
    admins: list[AddressHex]
    ca_certs: list[Hex] = Field(description="its CA certificates, DER as hex")
    height: Uint = Field(description="the height of its last change (0: genesis)")
    reason: str


class Node(ApiModel):
    """A node of a member (F-B2)."""

    name: str
    org: str
    role: Literal["validator", "full", "storage"]
    transport_key: Hex
    validator: Hex
    power: Uint
    status: Literal["active", "removed"]
    height: Uint


class AccountModel(ApiModel):
    """A registered account."""

    address: AddressHex
    public_key: Hex
    kind: Literal["admin", "client", "staff", "system", "subject"]
    org: str
    roles: list[str]
    status: Literal["active", "frozen", "closed"]
    height: Uint
    post: str


class SubjectModel(ApiModel):
    """A subject: an enterprise in clear, a person only as a blind index and a sealed record."""

    address: AddressHex
    public_key: Hex
    kind: Literal["person", "enterprise"]
    status: Literal["applied", "refused", "active", "frozen", "closed"]
    member: str = Field(description="the reviewing member's credit code")
    code: str = Field(description="an enterprise's credit code; empty for a person")
    name: str = Field(description="an enterprise's name; empty for a person")
    blind_index: Hex = Field(description="a person's keyed hash of its ID number; empty otherwise")
    sealed: Hex = Field(description="a person's record sealed for the reviewing member")
    permissions: list[Literal["issue_assets", "publish_contract", "transact"]]
    applied_height: Uint
    decided_height: Uint
    decided_by: Hex
    reason: str


class SubjectResponse(ApiModel):
    """A subject and the state fact of its record."""

    subject: SubjectModel
    fact: StateFact


class MemberResponse(ApiModel):
    """A member and the state fact of its record."""

    member: Member
    fact: StateFact


class AccountResponse(ApiModel):
    """An account and the state fact of its record."""

    account: AccountModel
    fact: StateFact


class MembersPage(ApiModel):
    """Members in admission order (not proven complete)."""

    members: list[Member] = Field(max_length=REGISTRY_PAGE_MAX)
    next: str | None


class NodesPage(ApiModel):
    """Nodes in order of addition (not proven complete)."""

    nodes: list[Node] = Field(max_length=REGISTRY_PAGE_MAX)
    next: str | None


CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"


def _code(text: str) -> str:
    """A credit code: 400 ``invalid_code`` when it has not the form, 404 when its check fails.

    A well-formed code whose check character is wrong names no member, so it
    is a 404 that says which check failed.
    """
    if not re.match(CODE_PATTERN, text):
        raise ApiError(
            "invalid_code", "member code: 18 characters of 0-9 and A-Y (no I, O, S, V, Z)"
        )
    try:
        check_uscc(text)
    except CodeError as exc:
        raise ApiError("unknown_member", f"no member has code {text}: {exc}") from exc
    return text


def _next(index: int | None) -> str | None:
    return None if index is None else str(index)


def registry_routes(service: NodeService) -> APIRouter:
    """``/v1/registry/members[/{code}]``, ``/v1/registry/nodes``, ``/v1/accounts/{address}``."""
    router = APIRouter(tags=["registry"])

    @router.get(
        "/v1/registry/members",
        response_model=MembersPage,
        summary="The consortium's members, a page at a time",
        responses=error_responses("invalid_cursor", "invalid_request", "busy"),
    )
    async def list_members(
        limit: Annotated[
            int, limit_query(REGISTRY_PAGE_DEFAULT, REGISTRY_PAGE_MAX, "records")
        ] = REGISTRY_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "50")] = None,
    ) -> MembersPage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        members, following = await service.read(members_page, start, limit)
        return MembersPage.model_validate(
            {"members": [m.to_json() for m in members], "next": _next(following)}
        )

    @router.get(
        "/v1/registry/members/{code}",
        response_model=MemberResponse,
        summary="One member, with the state fact that proves it",
        responses=error_responses(
            "invalid_code", "invalid_request", "unknown_member", *_FACT_CODES
        ),
    )
    async def show_member(
        code: Annotated[
            str,
            Path(
                description="the member's credit code (GB 32100, 18 characters)",
                json_schema_extra={"pattern": CODE_PATTERN},
            ),
        ],
    ) -> MemberResponse:
        proven = await service.read(member_with_fact, _code(code))
        if proven.member is None:
            raise ApiError("unknown_member", f"no member with code {code}")
        return MemberResponse.model_validate(
            {"member": proven.member.to_json(), "fact": proven.proven.fact.to_json()}
        )

    @router.get(
        "/v1/registry/nodes",
        response_model=NodesPage,
        summary="The registered nodes, a page at a time",
        responses=error_responses("invalid_cursor", "invalid_request", "busy"),
    )
    async def list_nodes(
        limit: Annotated[
            int, limit_query(REGISTRY_PAGE_DEFAULT, REGISTRY_PAGE_MAX, "records")
        ] = REGISTRY_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "50")] = None,
    ) -> NodesPage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        nodes, following = await service.read(nodes_page, start, limit)
        return NodesPage.model_validate(
            {"nodes": [n.to_json() for n in nodes], "next": _next(following)}
        )

    @router.get(
        "/v1/accounts/{address}",
        response_model=AccountResponse,
        summary="One account, with the state fact that proves it",
        responses=error_responses(
            "invalid_hex", "invalid_request", "unknown_account", *_FACT_CODES
        ),
    )
    async def show_account(
        address: Annotated[str, address_path()],
    ) -> AccountResponse:
        value = parse_hex(address, "address", ADDRESS_SIZE)
        proven = await service.read(account_with_fact, value)
        if proven.account is None:
            raise ApiError("unknown_account", f"account {value.hex()} is not registered")
        return AccountResponse.model_validate(
            {"account": proven.account.to_json(), "fact": proven.proven.fact.to_json()}
        )

    signed = account_signed_reads(service)

    @router.get(
        "/v1/registry/subjects/{address}",
        response_model=SubjectResponse,
        summary="A subject, shown to itself or its reviewing member: a signed read",
        responses={
            **error_responses(
                "invalid_hex", "invalid_request", "permission_denied", "not_found", *_FACT_CODES
            ),
            **SIGNED_READ_RESPONSES,
        },
    )
    async def show_subject(
        address: Annotated[str, address_path()],
        reader: bytes = Depends(signed),
    ) -> SubjectResponse:
        value = parse_hex(address, "address", ADDRESS_SIZE)
        proven = await service.read(subject_with_fact, value, reader)
        subject = proven.subject
        if subject is None:
            raise ApiError("not_found", f"account {value.hex()} has no subject record")
        if not may_read_subject(subject, reader, proven.reader_org):
            raise ApiError(
                "permission_denied",
                "a subject is shown to itself and to accounts of its reviewing member only",
            )
        return SubjectResponse.model_validate(
            {"subject": subject.to_json(), "fact": proven.proven.fact.to_json()}
        )

    return router


def account_signed_reads(service: NodeService) -> SignedReads:
    """The signed-read dependency of a route: the signer is a registered, active account."""
    return SignedReads(
        service.suite, lambda address: _active_key(service.latest_state(account_key(address)))
    )


def own_address(address: str, reader: bytes, what: str) -> bytes:
    """The path's address, when the signed reader is that account; 403 naming ``what`` else."""
    value = parse_hex(address, "address", ADDRESS_SIZE)
    if reader != value:
        raise ApiError("permission_denied", f"{what} is shown to its own account only")
    return value


def _active_key(raw: bytes | None) -> bytes | None:
    """The public key of a stored account that may sign reads (active), else None."""
    if raw is None:
        return None
    account = Account.from_stored(raw)
    return account.public_key if account.status == "active" else None
