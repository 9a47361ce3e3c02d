"""The storage node's error answers: stable codes, their HTTP statuses (docs/spec/assets.md).

Every error is the API's shape, ``{"error": {"code": "...", "message": "..."}}``
(``govchain.api.errors``). The codes of a refused signature (``signature_*``,
``unknown_signer``: 401) and ``busy`` (503, a full nonce cache) come from
``govchain.api.request_signatures``; the codes below are the storage node's
own (the message codes: docs/spec/messages.md). A message never names a
path or a stack: ``blob_corrupt`` says only that the stored copy fails its
hash, and the detail goes to the log.
"""

from __future__ import annotations

from govchain.api.errors import ApiError

__all__ = ["BLOB_STATUS_BY_CODE", "BlobApiError"]

BLOB_STATUS_BY_CODE: dict[str, int] = {
    "blob_too_large": 413,
    "hash_mismatch": 400,
    "empty_blob": 400,
    "invalid_hex": 400,
    "invalid_request": 422,
    "upload_not_allowed": 403,
    "read_not_allowed": 403,
    "use_stale": 403,
    "not_found": 404,
    "blob_corrupt": 500,
    "chain_unavailable": 503,
    "storage_error": 503,
    "storage_full": 503,
    "internal": 500,
    "message_too_large": 413,
    "invalid_message": 400,
    "unknown_recipient": 404,
    "rate_limited": 429,
    "inbox_full": 507,
    "too_many_streams": 503,
}
"""HTTP status of each code the storage node answers with (besides the signature codes)."""


class BlobApiError(ApiError):
    """A refusal of the storage node: a code of :data:`BLOB_STATUS_BY_CODE` and a message."""

    def __init__(self, code: str, message: str) -> None:
        # Not ApiError.__init__: these codes have their status here, not in the chain API's table.
        assert code in BLOB_STATUS_BY_CODE, f"{code!r} is not a storage node code"
        Exception.__init__(self, message)
        self.code = code
        self.message = message

    @property
    def status_code(self) -> int:
        """The HTTP status of this error's code."""
        return BLOB_STATUS_BY_CODE[self.code]
