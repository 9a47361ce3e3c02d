"""Router of the registry's certificates (docs/spec/registry.md, "Expiring certificates").

``GET /v1/certificates/expiring``: the member CA and account certificates
whose not-after falls within N days of the latest block's time, a bounded
page at a time. Alert-worthy data for operators (F-B5). Thin: parse, run
``contracts.registry.reads.expiring_certificates``, map to the models below.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from govchain.api.errors import error_responses
from govchain.api.routes.params import cursor_query, limit_query, parse_cursor
from govchain.api.schemas import ApiModel, Hex, Uint
from govchain.api.service import NodeService
from govchain.contracts.registry.reads import (
    EXPIRING_CURSOR_PATTERN,
    MAX_WITHIN_DAYS,
    REGISTRY_PAGE_DEFAULT,
    REGISTRY_PAGE_MAX,
    expiring_certificates,
    parse_expiring_cursor,
)

__all__ = ["ExpiringCertificatesPage", "certificate_routes"]

DEFAULT_WITHIN_DAYS = 30


class ExpiringCertificate(ApiModel):
    """A certificate that expires soon (or has expired)."""

    kind: Literal["member_ca", "account"]
    id: Hex = Field(description="the suite hash of the certificate's DER")
    org: str = Field(description="the member's credit code")
    address: Hex | None = Field(description="the account of an account certificate; null for a CA")
    common_name: str
    not_after: Uint = Field(description="the end of its validity, ms since the Unix epoch")
    status: str = Field(
        description="an account certificate's status, or the member's for a CA certificate"
    )


class ExpiringCertificatesPage(ApiModel):
    """A bounded scan's matches; follow ``next`` until it is null (not proven complete)."""

    time: Uint = Field(description="the latest block's BFT time the window starts from (ms)")
    within_days: Uint
    certificates: list[ExpiringCertificate] = Field(max_length=4 * REGISTRY_PAGE_MAX)
    next: str | None


def certificate_routes(service: NodeService) -> APIRouter:
    """``GET /v1/certificates/expiring``."""
    router = APIRouter(tags=["registry"])

    @router.get(
        "/v1/certificates/expiring",
        response_model=ExpiringCertificatesPage,
        summary="Certificates whose validity ends within N days of the latest block",
        responses=error_responses("invalid_cursor", "invalid_request", "no_blocks", "busy"),
    )
    async def expiring(
        within_days: Annotated[
            int,
            Query(
                ge=1,
                le=MAX_WITHIN_DAYS,
                description=f"the window in days: 1 to {MAX_WITHIN_DAYS} (default 30)",
            ),
        ] = DEFAULT_WITHIN_DAYS,
        limit: Annotated[
            int, limit_query(REGISTRY_PAGE_DEFAULT, REGISTRY_PAGE_MAX, "list entries scanned")
        ] = REGISTRY_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(EXPIRING_CURSOR_PATTERN, "c50")] = None,
    ) -> ExpiringCertificatesPage:
        start = ("m", 0) if cursor is None else parse_cursor(parse_expiring_cursor, cursor)
        time, found, following = await service.read(
            expiring_certificates, within_days, start, limit
        )
        return ExpiringCertificatesPage.model_validate(
            {
                "time": time,
                "within_days": within_days,
                "certificates": [item.to_json() for item in found],
                "next": following,
            }
        )

    return router
