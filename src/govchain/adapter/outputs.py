"""The outputs of a step: issued into the applicant's locker once, shared with the steps that read
them (docs/spec/workflow.md "Department adapters", "Case grants").

An output's content id and data key are derived, not drawn: the content id
from (case, step, attempt, type), the data key from the adapter's locker
private key and the content id. An adapter that crashed after issuing finds
the asset under the same content id and still knows its data key, so it
shares and reports it instead of issuing a second licence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from govchain.client.assets import AssetClient
from govchain.client.grants import GrantClient, GrantTerms
from govchain.contracts.assets.records import CONTENT_ID_SIZE
from govchain.crypto.envelopes import LockerKey
from govchain.types.errors import GovChainError

__all__ = ["SHARE_USES", "Output", "OutputIssuer", "Reader", "output_content_id"]

log = logging.getLogger("govchain.adapter")

OUTPUT_DOMAIN = b"govchain/adapter/output/v1"
DATA_KEY_DOMAIN = b"govchain/adapter/data-key/v1"
SHARE_USES = 8
"""Reads one shared output allows its reader (a returned step is read again on each attempt)."""


@dataclass(frozen=True, slots=True)
class Output:
    """An output issued for a step: its content id and data key."""

    content_id: bytes
    data_key: bytes


@dataclass(frozen=True, slots=True)
class Reader:
    """A later step that reads an output type: its id, matter and department's adapter."""

    step: str
    matter: str
    adapter: bytes
    types: tuple[str, ...]


def output_content_id(hash_: Any, case: bytes, step: str, attempt: int, type_code: str) -> bytes:
    """The content id of the output of type ``type_code`` of (case, step, attempt)."""
    name = b"\0".join((OUTPUT_DOMAIN, case, step.encode(), b"%d" % attempt, type_code.encode()))
    return bytes(hash_(name))[:CONTENT_ID_SIZE]


class OutputIssuer:
    """Issues and shares one department's outputs, through its adapter account."""

    def __init__(self, assets: AssetClient, grants: GrantClient, locker: LockerKey) -> None:
        self.assets = assets
        self.grants = grants
        self.locker = locker
        self.suite = assets.suite

    def _data_key(self, content_id: bytes) -> bytes:
        secret = self.locker.private_bytes()
        return self.suite.hash(DATA_KEY_DOMAIN + secret + content_id)[: self.suite.aead_key_size]

    def issue(
        self, case: bytes, step: str, attempt: int, applicant: bytes, type_code: str,
        fields: dict[str, Any],
    ) -> Output:  # fmt: skip
        """Issue the output into ``applicant``'s locker (or find it issued before)."""
        content_id = output_content_id(self.suite.hash, case, step, attempt, type_code)
        output = Output(content_id, self._data_key(content_id))
        if self._issued(content_id):
            log.info("case %s step %s: output %s was issued before", case.hex(), step,
                     content_id.hex())  # fmt: skip
            return output
        self.assets.issue(
            type_code, applicant, "authority", fields, content=(content_id, output.data_key)
        )
        return output

    def _issued(self, content_id: bytes) -> bool:
        try:
            self.assets.asset(content_id.hex())
        except GovChainError as exc:
            if getattr(exc, "code", "") == "not_found":
                return False
            raise
        return True

    def share(
        self, case: bytes, output: Output, type_code: str, applicant: bytes,
        readers: list[Reader], expires_ms: int,
    ) -> list[bytes]:  # fmt: skip
        """Grant ``output`` to the adapter of each later step reading ``type_code``, as the
        applicant's agent; the grants' ids."""
        grants = []
        for reader in readers:
            if type_code not in reader.types:
                continue
            terms = GrantTerms(
                "use", f"case {case.hex()} step {reader.step}", expires_ms, SHARE_USES,
                reader.matter,
            )  # fmt: skip
            grants.append((reader.adapter, terms))
        if not grants:
            return []
        return self.grants.grant_keys(output.content_id, output.data_key, grants, applicant)
