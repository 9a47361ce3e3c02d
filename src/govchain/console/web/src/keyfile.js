// Reading the user's PKCS#8 PEM key file in the browser (it never leaves the machine).
//
// The file is the one `govchain keys new` and crypto/keyfiles.py write: a plain
// PKCS#8 "PRIVATE KEY" of suite gm (SM2 on sm2p256v1) or intl (Ed25519), or an
// "ENCRYPTED PRIVATE KEY" (PBES2: PBKDF2 with HMAC-SHA256 or HMAC-SHA1, then
// AES-128/192/256-CBC), which is decrypted here with the password typed here.
import * as asn1js from "asn1js";
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { cbc } from "@noble/ciphers/aes.js";

export const MAX_KEY_FILE = 64 * 1024;
const MAX_ITERATIONS = 10000000;

const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  sm2Curve: "1.2.156.10197.1.301",
  ed25519: "1.3.101.112",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacSha1: "1.2.840.113549.2.7",
  hmacSha256: "1.2.840.113549.2.9",
  aes128cbc: "2.16.840.1.101.3.4.1.2",
  aes192cbc: "2.16.840.1.101.3.4.1.22",
  aes256cbc: "2.16.840.1.101.3.4.1.42",
};
const AES_KEY_SIZE = { [OID.aes128cbc]: 16, [OID.aes192cbc]: 24, [OID.aes256cbc]: 32 };

// A refusal the page shows by its code (the page holds the words in both languages).
export class KeyFileError extends Error {
  constructor(code, detail) {
    super(detail || code);
    this.code = code;
  }
}

function pemBody(text, label) {
  const begin = "-----BEGIN " + label + "-----";
  const end = "-----END " + label + "-----";
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) {
    return null;
  }
  const base64 = text.slice(start + begin.length, stop).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
    throw new KeyFileError("unreadable", "the PEM block is not base64");
  }
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

function der(bytes, what) {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length) {
    throw new KeyFileError("unreadable", what + " is not DER");
  }
  return parsed.result;
}

function expect(node, type, what) {
  if (!(node instanceof type)) {
    throw new KeyFileError("unreadable", what + " is malformed");
  }
  return node;
}

function items(node, what, least) {
  const seq = expect(node, asn1js.Sequence, what);
  if (seq.valueBlock.value.length < least) {
    throw new KeyFileError("unreadable", what + " is too short");
  }
  return seq.valueBlock.value;
}

function oid(node, what) {
  return expect(node, asn1js.ObjectIdentifier, what).valueBlock.toString();
}

function octets(node, what) {
  return new Uint8Array(expect(node, asn1js.OctetString, what).valueBlock.valueHexView);
}

function smallInt(node, what) {
  const value = expect(node, asn1js.Integer, what).valueBlock.valueDec;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new KeyFileError("unreadable", what + " is out of range");
  }
  return value;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The suite and the 32 secret bytes of a PrivateKeyInfo (RFC 5208 / 5958).
function privateKeyInfo(bytes) {
  const [, algorithm, inner] = items(der(bytes, "the private key"), "PrivateKeyInfo", 3);
  const [algorithmOid, parameters] = items(algorithm, "the key algorithm", 1);
  const kind = oid(algorithmOid, "the key algorithm");
  const secret = octets(inner, "the private key");
  if (kind === OID.ed25519) {
    const seed = octets(der(secret, "the Ed25519 key"), "the Ed25519 key");
    if (seed.length !== 32) {
      throw new KeyFileError("unreadable", "an Ed25519 key is 32 bytes");
    }
    return { suite: "intl", secret: seed };
  }
  const isSm2 =
    kind === OID.sm2Curve ||
    (kind === OID.ecPublicKey && parameters && oid(parameters, "the curve") === OID.sm2Curve);
  if (!isSm2) {
    throw new KeyFileError("unsupported", "not an SM2 or Ed25519 key");
  }
  const [, scalar] = items(der(secret, "the SM2 key"), "ECPrivateKey", 2);
  const d = octets(scalar, "the SM2 scalar");
  if (d.length !== 32) {
    throw new KeyFileError("unreadable", "an SM2 private scalar is 32 bytes");
  }
  return { suite: "gm", secret: d };
}

// PBES2 (RFC 8018) as OpenSSL and the Python cryptography package write it.
function decrypted(bytes, password) {
  const [algorithm, data] = items(der(bytes, "the encrypted key"), "EncryptedPrivateKeyInfo", 2);
  const [scheme, parameters] = items(algorithm, "the encryption algorithm", 2);
  if (oid(scheme, "the encryption scheme") !== OID.pbes2) {
    throw new KeyFileError("unsupported", "the key is encrypted with a scheme other than PBES2");
  }
  const [kdf, cipher] = items(parameters, "PBES2 parameters", 2);
  const [kdfOid, kdfParameters] = items(kdf, "the key derivation", 2);
  const [cipherOid, ivNode] = items(cipher, "the cipher", 2);
  if (oid(kdfOid, "the key derivation") !== OID.pbkdf2) {
    throw new KeyFileError("unsupported", "the key's password is derived otherwise than by PBKDF2");
  }
  const size = AES_KEY_SIZE[oid(cipherOid, "the cipher")];
  if (!size) {
    throw new KeyFileError("unsupported", "the key is encrypted with a cipher other than AES-CBC");
  }
  const fields = items(kdfParameters, "PBKDF2 parameters", 2);
  const salt = octets(fields[0], "the salt");
  const iterations = smallInt(fields[1], "the iteration count");
  if (iterations > MAX_ITERATIONS) {
    throw new KeyFileError("unsupported", "the iteration count is too high");
  }
  let hash = sha1;
  for (const field of fields.slice(2)) {
    if (field instanceof asn1js.Sequence) {
      const prf = oid(items(field, "the PRF", 1)[0], "the PRF");
      if (prf === OID.hmacSha256) {
        hash = sha256;
      } else if (prf !== OID.hmacSha1) {
        throw new KeyFileError("unsupported", "the key's PRF is neither HMAC-SHA256 nor HMAC-SHA1");
      }
    }
  }
  const key = pbkdf2(hash, new TextEncoder().encode(password), salt, { c: iterations, dkLen: size });
  try {
    return cbc(key, octets(ivNode, "the IV")).decrypt(octets(data, "the encrypted key"));
  } catch (error) {
    throw new KeyFileError("wrong_password", "the password does not open the key");
  }
}

// The key in a PEM file's text: { suite: "gm"|"intl", secret: Uint8Array(32) }.
// An encrypted file needs its password (KeyFileError "encrypted" without one).
export function readKeyFile(text, password) {
  if (typeof text !== "string" || text.length > MAX_KEY_FILE) {
    throw new KeyFileError("unreadable", "a key file is text under 64 KiB");
  }
  const plain = pemBody(text, "PRIVATE KEY");
  if (plain) {
    return privateKeyInfo(plain);
  }
  const sealed = pemBody(text, "ENCRYPTED PRIVATE KEY");
  if (!sealed) {
    throw new KeyFileError("unreadable", "no PRIVATE KEY PEM block");
  }
  if (!password) {
    throw new KeyFileError("encrypted", "the key file is encrypted: give its password");
  }
  const opened = decrypted(sealed, password);
  try {
    return privateKeyInfo(opened);
  } catch (error) {
    throw new KeyFileError("wrong_password", "the password does not open the key");
  }
}

export { hex };
