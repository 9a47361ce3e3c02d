"""Signed reads: HTTP Message Signatures (RFC 9421) with the chain's suite (decision 0007).

``fields`` holds the RFC's mechanics (component values, the signature base,
the ``Signature-Input`` and ``Signature`` fields); ``profile`` holds
GovChain's choices (covered components, parameters, ``sm2-sm3`` or
``ed25519``) and the pure sign and verify functions. The SDK signs with
``govchain.client.request_signing``; the API checks with
``govchain.api.request_signatures``.
"""

from govchain.crypto.httpsig.fields import (
    ReceivedSignature,
    RequestSignatureError,
    RequestView,
    SignatureMalformedError,
    received_signatures,
    signature_base,
    signature_input_member,
)
from govchain.crypto.httpsig.profile import (
    ALGORITHM_BY_SUITE,
    DIGEST_BY_SUITE,
    READ_TAG,
    REQUEST_COMPONENTS,
    WINDOW_S,
    PublicKeyOf,
    SignatureAlgorithmError,
    SignatureExpiredError,
    SignatureInvalidError,
    SignatureRequiredError,
    SignatureTagError,
    SignedRequestHeaders,
    UnknownAccountError,
    VerifiedRequest,
    content_digest,
    sign_request,
    signature_from_wire,
    signature_to_wire,
    verify_request,
)

__all__ = [
    "ALGORITHM_BY_SUITE",
    "DIGEST_BY_SUITE",
    "READ_TAG",
    "REQUEST_COMPONENTS",
    "WINDOW_S",
    "PublicKeyOf",
    "ReceivedSignature",
    "RequestSignatureError",
    "RequestView",
    "SignatureAlgorithmError",
    "SignatureExpiredError",
    "SignatureInvalidError",
    "SignatureMalformedError",
    "SignatureRequiredError",
    "SignatureTagError",
    "SignedRequestHeaders",
    "UnknownAccountError",
    "VerifiedRequest",
    "content_digest",
    "received_signatures",
    "sign_request",
    "signature_base",
    "signature_from_wire",
    "signature_input_member",
    "signature_to_wire",
    "verify_request",
]
