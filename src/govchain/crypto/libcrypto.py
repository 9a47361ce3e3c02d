"""OpenSSL 3 libcrypto through cffi in ABI mode (no compiler needed).

Only the EVP calls that SM2 needs are declared. cffi releases the GIL around
every C call, so SM2 work on several threads runs on several cores.

The library is found as ``libcrypto.so.3`` (or what ``GOVCHAIN_LIBCRYPTO``
names). If it cannot be loaded, is older than 3.0, or lacks SM2 or SM3,
:func:`load` raises :class:`CryptoUnavailableError` with a message that says
what to install.
"""

from __future__ import annotations

import ctypes.util
import os
import threading
from typing import Any

import cffi

from govchain.types.errors import CryptoUnavailableError

__all__ = ["Libcrypto", "load", "openssl_error"]

_CDEF = """
typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_st EVP_MD;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct bio_st BIO;
typedef struct bio_method_st BIO_METHOD;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;
typedef struct engine_st ENGINE;
typedef int pem_password_cb(char *buf, int size, int rwflag, void *userdata);

unsigned long OpenSSL_version_num(void);

EVP_PKEY *d2i_PUBKEY(EVP_PKEY **a, const unsigned char **pp, long length);
int i2d_PUBKEY(const EVP_PKEY *a, unsigned char **pp);
EVP_PKEY *d2i_AutoPrivateKey(EVP_PKEY **a, const unsigned char **pp, long length);
void EVP_PKEY_free(EVP_PKEY *pkey);
int EVP_PKEY_is_a(const EVP_PKEY *pkey, const char *name);
int EVP_PKEY_get_octet_string_param(const EVP_PKEY *pkey, const char *key_name,
                                    unsigned char *buf, size_t max_buf_sz, size_t *out_sz);

EVP_PKEY_CTX *EVP_PKEY_CTX_new(EVP_PKEY *pkey, ENGINE *e);
EVP_PKEY_CTX *EVP_PKEY_CTX_new_from_name(OSSL_LIB_CTX *libctx, const char *name,
                                         const char *propquery);
void EVP_PKEY_CTX_free(EVP_PKEY_CTX *ctx);
int EVP_PKEY_keygen_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_generate(EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey);
int EVP_PKEY_sign_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_sign(EVP_PKEY_CTX *ctx, unsigned char *sig, size_t *siglen,
                  const unsigned char *tbs, size_t tbslen);
int EVP_PKEY_verify_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_verify(EVP_PKEY_CTX *ctx, const unsigned char *sig, size_t siglen,
                    const unsigned char *tbs, size_t tbslen);
int EVP_PKEY_encrypt_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_encrypt(EVP_PKEY_CTX *ctx, unsigned char *out, size_t *outlen,
                     const unsigned char *in, size_t inlen);
int EVP_PKEY_decrypt_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_decrypt(EVP_PKEY_CTX *ctx, unsigned char *out, size_t *outlen,
                     const unsigned char *in, size_t inlen);
int EVP_PKEY_CTX_set1_id(EVP_PKEY_CTX *ctx, const void *id, int len);

const EVP_MD *EVP_sm3(void);
int EVP_PKEY_get_raw_private_key(const EVP_PKEY *pkey, unsigned char *priv, size_t *len);
int EVP_PKEY_get_raw_public_key(const EVP_PKEY *pkey, unsigned char *pub, size_t *len);

const EVP_CIPHER *EVP_aes_256_cbc(void);
const BIO_METHOD *BIO_s_mem(void);
BIO *BIO_new(const BIO_METHOD *type);
BIO *BIO_new_mem_buf(const void *buf, int len);
long BIO_ctrl(BIO *bp, int cmd, long larg, void *parg);
int BIO_free(BIO *a);
EVP_PKEY *PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u);
EVP_PKEY *PEM_read_bio_PUBKEY(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u);
int PEM_write_bio_PKCS8PrivateKey(BIO *bp, const EVP_PKEY *x, const EVP_CIPHER *enc,
                                  const char *kstr, int klen, pem_password_cb *cb, void *u);
int PEM_write_bio_PUBKEY(BIO *bp, const EVP_PKEY *x);

unsigned long ERR_get_error(void);
void ERR_clear_error(void);
void ERR_error_string_n(unsigned long e, char *buf, size_t len);
"""

_MIN_VERSION = 0x30000000
_BIO_CTRL_INFO = 3  # BIO_get_mem_data


class Libcrypto:
    """The loaded library: ``ffi`` for buffers, ``lib`` for calls."""

    def __init__(self, ffi: cffi.FFI, lib: Any) -> None:
        self.ffi = ffi
        self.lib = lib

    def bio_bytes(self, bio: Any) -> bytes:
        """Return everything written to a memory BIO."""
        out = self.ffi.new("char **")
        size = self.lib.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, out)
        return bytes(self.ffi.buffer(out[0], size))


_lock = threading.Lock()
_loaded: Libcrypto | None = None


def _library_path() -> str:
    override = os.environ.get("GOVCHAIN_LIBCRYPTO")
    if override:
        return override
    return "libcrypto.so.3" if os.name == "posix" else (ctypes.util.find_library("crypto") or "")


def _open() -> Libcrypto:
    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    path = _library_path()
    try:
        lib: Any = ffi.dlopen(path)
    except OSError as exc:
        raise CryptoUnavailableError(
            f"cannot load OpenSSL 3 libcrypto ({path or 'libcrypto'}): {exc}; "
            "install it (Debian: apt-get install libssl3) or set GOVCHAIN_LIBCRYPTO"
        ) from exc
    try:
        version = lib.OpenSSL_version_num()
    except AttributeError as exc:
        raise CryptoUnavailableError(f"{path} is not OpenSSL 3 libcrypto") from exc
    if version < _MIN_VERSION:
        raise CryptoUnavailableError(f"{path} is OpenSSL {version:#x}; GovChain needs 3.0 or newer")
    _require_sm2(lib, path)
    return Libcrypto(ffi, lib)


def _require_sm2(lib: Any, path: str) -> None:
    ctx = lib.EVP_PKEY_CTX_new_from_name(cffi.FFI.NULL, b"SM2", cffi.FFI.NULL)
    has_sm2 = ctx != cffi.FFI.NULL
    if has_sm2:
        lib.EVP_PKEY_CTX_free(ctx)
    has_sm3 = lib.EVP_sm3() != cffi.FFI.NULL
    lib.ERR_clear_error()
    if not (has_sm2 and has_sm3):
        raise CryptoUnavailableError(
            f"{path} lacks SM2/SM3 (built with no-sm2 or no-sm3?); the gm suite needs an "
            "OpenSSL 3 libcrypto with the Chinese algorithms enabled"
        )


def load() -> Libcrypto:
    """Load libcrypto once per process and check that it has SM2 and SM3."""
    global _loaded  # noqa: PLW0603 - one library handle per process, loaded lazily
    with _lock:
        if _loaded is None:
            _loaded = _open()
        return _loaded


def openssl_error(crypto: Libcrypto, what: str) -> str:
    """Describe a failed call with OpenSSL's first queued error, and drain the queue.

    The queue is per thread; leaving errors in it would leak them into the
    result of later, unrelated calls.
    """
    code = crypto.lib.ERR_get_error()
    detail = ""
    if code:
        buf = crypto.ffi.new("char[]", 256)
        crypto.lib.ERR_error_string_n(code, buf, 256)
        text = crypto.ffi.string(buf)
        detail = ": " + (text.decode("ascii", "replace") if isinstance(text, bytes) else text)
    crypto.lib.ERR_clear_error()
    return f"{what} failed{detail}"
