// Opening a locker asset in the browser: the byte formats of docs/formats.md section 9, the
// same as src/govchain/crypto/password_wrap.py, envelopes.py and client/asset_crypto.py.
// Nothing here touches the network or the page: bytes in, bytes (or a clear error) out, so
// tests/unit/console/test_locker_js.py runs it under node against data our Python code made.
//
//   wrapped locker key  CBOR {v: 1, kdf: {name: "scrypt", n, r, p, salt}
//                                     | {name: "pbkdf2-hmac-sm3", iterations, salt},
//                             sealed: nonce(12) || ct || tag(16)}
//                       AEAD key = KDF(password, salt) (16 B gm, 32 B intl),
//                       aad = "govchain/locker-key/v1" || address
//   envelope            gm: SM2 encryption, GM/T 0009 DER SEQUENCE {x, y, hash, ciphertext}
//                       intl: ephemeral(32) || nonce(12) || ct || tag(16), X25519 then
//                             HKDF-SHA256(info = INFO || ephemeral || recipient) -> AES-256-GCM
//   content blob        nonce(12) || ct || tag(16) under the data key,
//                       aad = "govchain/asset/v1" || content id || version as 3 digits
//   plaintext           CBOR {fields: {...}, file?: {name, bytes}}
import { gcm } from "@noble/ciphers/aes.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { decode } from "cborg";
import { sm2, sm4 } from "sm-crypto-v2";
import { sm3 } from "./sm3.js";

const WRAP_DOMAIN = utf8ToBytes("govchain/locker-key/v1");
const CONTENT_DOMAIN = utf8ToBytes("govchain/asset/v1");
const X25519_INFO = utf8ToBytes("govchain/envelope/v1/X25519-HKDF-SHA256-AES-256-GCM");
const NONCE = 12;
const TAG = 16;
const KEY_SIZE = { gm: 16, intl: 32 };
// The bounds password_wrap.py keeps, so a hostile blob cannot make the browser work for minutes.
const SCRYPT_NR = [2 ** 13, 2 ** 20];
const SCRYPT_NRP_MAX = 2 ** 21;
const PBKDF2_ITERATIONS = [100000, 5000000];
const WRAPPED_MAX = 4096;
const SEALED_MAX = 256;
const BLOB_MAX = 64 * 1024 * 1024;

/** An error a person can read: `code` is the same as the Python client's where there is one. */
export class LockerError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "LockerError";
    this.code = code;
  }
}

function suiteKeySize(suite) {
  const size = KEY_SIZE[suite];
  if (!size) throw new LockerError("invalid_args", `unknown suite ${String(suite)}`);
  return size;
}

function bytesOf(value, what) {
  if (value instanceof Uint8Array) return value;
  throw new LockerError("invalid_args", `${what} must be bytes`);
}

/** AEAD open of nonce || ct || tag: SM4-GCM under gm, AES-256-GCM under intl; null if it fails. */
export function aeadOpen(suite, key, sealed, aad) {
  if (sealed.length < NONCE + TAG) return null;
  const nonce = sealed.subarray(0, NONCE);
  const body = sealed.subarray(NONCE, sealed.length - TAG);
  const tag = sealed.subarray(sealed.length - TAG);
  try {
    if (suite === "gm") {
      return sm4.decrypt(body, key, { mode: "gcm", iv: nonce, associatedData: aad, tag, output: "array" });
    }
    return gcm(key, nonce, aad).decrypt(sealed.subarray(NONCE));
  } catch {
    return null;
  }
}

export function decodeCbor(data, what) {
  try {
    return decode(data, { useMaps: false, rejectDuplicateMapKeys: true });
  } catch (err) {
    throw new LockerError("invalid_format", `${what} is not CBOR (${err.message})`);
  }
}

function isInt(value) {
  return typeof value === "number" && Number.isInteger(value);
}

async function deriveWrapKey(kdf, password, size) {
  if (!kdf || typeof kdf !== "object") throw new LockerError("invalid_format", "the wrapped key has no kdf");
  const salt = bytesOf(kdf.salt, "the KDF salt");
  if (salt.length < 16 || salt.length > 64) throw new LockerError("invalid_format", "a KDF salt is 16..64 bytes");
  if (kdf.name === "scrypt") {
    const { n, r, p } = kdf;
    const powerOfTwo = isInt(n) && n >= 2 && (n & (n - 1)) === 0;
    if (!powerOfTwo || !isInt(r) || !isInt(p) || r < 1 || r > 32 || p < 1 || p > 16 ||
        n * r < SCRYPT_NR[0] || n * r > SCRYPT_NR[1] || n * r * p > SCRYPT_NRP_MAX) {
      throw new LockerError("invalid_format", "the scrypt parameters are out of bounds");
    }
    return scryptAsync(password, salt, { N: n, r, p, dkLen: size, maxmem: 2 ** 28 });
  }
  if (kdf.name === "pbkdf2-hmac-sm3") {
    const c = kdf.iterations;
    if (!isInt(c) || c < PBKDF2_ITERATIONS[0] || c > PBKDF2_ITERATIONS[1]) {
      throw new LockerError("invalid_format", "the PBKDF2 iterations are out of bounds");
    }
    return pbkdf2Async(sm3, password, salt, { c, dkLen: size });
  }
  throw new LockerError("invalid_format", "the wrapped key names an unknown KDF");
}

/**
 * The locker private key (32 bytes) inside the wrapped-key blob of the account `address`
 * (20 bytes), unlocked with `password` (a string or UTF-8 bytes). A wrong password is
 * LockerError `wrong_password`; a malformed blob `invalid_format`.
 */
export async function unwrapLockerKey(suite, blob, password, address) {
  const size = suiteKeySize(suite);
  bytesOf(blob, "the wrapped key");
  if (blob.length > WRAPPED_MAX) throw new LockerError("invalid_format", "a wrapped key is at most 4096 bytes");
  const pass = typeof password === "string" ? utf8ToBytes(password) : bytesOf(password, "the password");
  if (pass.length < 1 || pass.length > 4096) throw new LockerError("invalid_args", "a password is 1..4096 bytes");
  if (bytesOf(address, "the address").length !== 20) throw new LockerError("invalid_args", "an address is 20 bytes");
  const wrapped = decodeCbor(blob, "the wrapped key");
  if (!wrapped || wrapped.v !== 1) throw new LockerError("invalid_format", "unknown wrapped key version");
  const key = await deriveWrapKey(wrapped.kdf, pass, size);
  const secret = aeadOpen(suite, key, bytesOf(wrapped.sealed, "sealed"), concatBytes(WRAP_DOMAIN, address));
  if (secret === null) throw new LockerError("wrong_password", "wrong password: the locker key does not unlock with it");
  if (secret.length !== 32) throw new LockerError("invalid_format", "a locker private key is 32 bytes");
  return secret;
}

/** The public key of a locker private key: SM2 point 04||x||y (gm) or raw X25519 (intl). */
export function lockerPublicKey(suite, privateKey) {
  if (suite === "gm") return hexToBytes(sm2.getPublicKeyFromPrivateKey(bytesToHex(privateKey)));
  suiteKeySize(suite);
  return x25519.getPublicKey(privateKey);
}

/** The secret (an asset's data key) in an envelope sealed to the locker key `privateKey`. */
export function openEnvelope(suite, privateKey, sealed) {
  bytesOf(sealed, "the envelope");
  if (sealed.length > SEALED_MAX) throw new LockerError("envelope_not_opened", "an envelope is at most 256 bytes");
  const notOpened = () =>
    new LockerError("envelope_not_opened", "the envelope does not open with this locker key: wrong key, or it was altered");
  let secret;
  if (suite === "gm") {
    try {
      secret = sm2.doDecrypt(bytesToHex(sealed), bytesToHex(privateKey), 1, { output: "array", asn1: true });
    } catch {
      throw notOpened();
    }
    if (!secret || secret.length === 0) throw notOpened();
  } else {
    suiteKeySize(suite);
    if (sealed.length <= 32 + NONCE + TAG) throw notOpened();
    const ephemeral = sealed.subarray(0, 32);
    let shared;
    try {
      shared = x25519.getSharedSecret(privateKey, ephemeral);
    } catch {
      throw notOpened();
    }
    const recipient = x25519.getPublicKey(privateKey);
    const key = hkdf(sha256, shared, undefined, concatBytes(X25519_INFO, ephemeral, recipient), 32);
    secret = aeadOpen("intl", key, sealed.subarray(32), new Uint8Array(0));
    if (secret === null) throw notOpened();
  }
  if (secret.length < 1 || secret.length > 64) throw notOpened();
  return secret;
}

/** The associated data of a content blob: domain || content id || version as 3 ASCII digits. */
export function contentAad(contentId, version) {
  if (bytesOf(contentId, "the content id").length !== 16) throw new LockerError("invalid_args", "a content id is 16 bytes");
  if (!isInt(version) || version < 1 || version > 999) throw new LockerError("invalid_args", "a version is 1..999");
  return concatBytes(CONTENT_DOMAIN, contentId, utf8ToBytes(String(version).padStart(3, "0")));
}

/**
 * The plaintext of a content blob: `{fields, file}` (`file` null or `{name, bytes}`).
 * LockerError `decryption_failed` when it does not open (a wrong key, another asset's blob).
 */
export function decryptContent(suite, dataKey, contentId, version, blob) {
  suiteKeySize(suite);
  bytesOf(blob, "the content blob");
  if (blob.length > BLOB_MAX) throw new LockerError("invalid_format", "a content blob is at most 64 MiB");
  const data = aeadOpen(suite, dataKey, blob, contentAad(contentId, version));
  if (data === null) {
    throw new LockerError("decryption_failed",
      "the content does not decrypt: wrong data key, an altered blob, or the blob of another asset or version");
  }
  const value = decodeCbor(data, "the content");
  if (!value || typeof value.fields !== "object" || value.fields === null || Array.isArray(value.fields)) {
    throw new LockerError("invalid_format", "the content has no fields");
  }
  let file = null;
  if (value.file !== undefined) {
    if (typeof value.file.name !== "string" || !(value.file.bytes instanceof Uint8Array)) {
      throw new LockerError("invalid_format", "the content's file is not {name, bytes}");
    }
    file = { name: value.file.name, bytes: value.file.bytes };
  }
  return { fields: value.fields, file };
}

/**
 * An asset's content, opened here: unlock the locker key from its wrapped blob with the
 * password, open the envelope (the holder's, or a grant's to this reader) and decrypt the
 * blob of (content id, version). `address` is the reader's account (the locker's owner).
 */
export async function openAsset({ suite, wrappedKey, password, address, lockerPublic, envelope, contentId, version, blob }) {
  const privateKey = await unwrapLockerKey(suite, wrappedKey, password, address);
  if (lockerPublic && bytesToHex(lockerPublicKey(suite, privateKey)) !== bytesToHex(lockerPublic)) {
    throw new LockerError("invalid_format", "the unwrapped locker key does not match the locker's public key");
  }
  const dataKey = openEnvelope(suite, privateKey, envelope);
  return decryptContent(suite, dataKey, contentId, version, blob);
}
