"""Crypto suites (gm: SM2/SM3/SM4, intl: Ed25519/SHA-256/AES-GCM), keys and certificates.

Everything above this layer signs, hashes and encrypts through a
:class:`CryptoSuite` chosen by name at genesis (F-A5). SM2 runs on OpenSSL 3
libcrypto; libcrypto is loaded on first use of the ``gm`` suite, and a
library without SM2 is refused with :class:`CryptoUnavailableError`.
"""

from govchain.crypto.suite import CryptoSuite, SigningKey, VerifyItem
from govchain.crypto.suites import SUITE_NAMES, suite_for

__all__ = ["SUITE_NAMES", "CryptoSuite", "SigningKey", "VerifyItem", "suite_for"]
