// Signing with the user's key in the browser, as the chain verifies it
// (src/govchain/crypto): gm is SM2 with SM3 over Z || M, user id
// 1234567812345678, DER signature; intl is Ed25519 (64 bytes).
import { sm2 } from "sm-crypto-v2";
import { ed25519 } from "@noble/curves/ed25519.js";
import { hex } from "./keyfile.js";

export const SM2_USER_ID = "1234567812345678";

function fromHex(text) {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(text)) {
    throw new Error("not hex");
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(text.substr(2 * i, 2), 16);
  }
  return bytes;
}

// The public key the chain knows the key by, as hex: gm 04 || x || y, intl 32 bytes.
export function publicKeyHex(key) {
  if (key.suite === "gm") {
    return sm2.getPublicKeyFromPrivateKey(hex(key.secret));
  }
  return hex(ed25519.getPublicKey(key.secret));
}

// The signature of message (Uint8Array) by key, as hex.
export function signBytes(key, message) {
  if (key.suite === "gm") {
    const secret = hex(key.secret);
    return sm2.doSignature(message, secret, {
      hash: true,
      der: true,
      publicKey: sm2.getPublicKeyFromPrivateKey(secret),
      userId: SM2_USER_ID,
    });
  }
  return hex(ed25519.sign(message, key.secret));
}

// The signature of the bytes given as hex (a tx's signing bytes from the console).
export function signHex(key, messageHex) {
  return signBytes(key, fromHex(messageHex));
}

// The signature of a text's UTF-8 bytes (a sign-in challenge).
export function signText(key, text) {
  return signBytes(key, new TextEncoder().encode(text));
}
