// Opening a sealed message in the browser: the format of docs/spec/messages.md ("Sealed
// messages"), the same as src/govchain/client/message_crypto.py. Like locker_crypto.js (whose
// envelope and AEAD code this reuses) nothing here touches the network or the page, so
// tests/unit/console/test_locker_js.py runs it under node against messages our Python code
// sealed.
//
//   sealed     CBOR {v: 1, key: envelope (<= 256 bytes) of the data key, box: nonce || ct || tag}
//   box        the suite AEAD (SM4-GCM gm, AES-256-GCM intl) under the data key,
//              aad = "govchain/message/v1" || recipient (20 bytes)
//   plaintext  CBOR {sender: 20 bytes, recipient: 20 bytes, kind: "text" | "file" | "reminder",
//                    name: text (0..255), body: bytes, time: ms (the sender's clock)}
import { concatBytes, bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { LockerError, aeadOpen, decodeCbor, openEnvelope } from "./locker_crypto.js";

const MESSAGE_DOMAIN = utf8ToBytes("govchain/message/v1");
const MESSAGE_MAX = 256 * 1024;
const NAME_MAX = 255;
const KINDS = ["text", "file", "reminder"];
const PLAIN_KEYS = ["body", "kind", "name", "recipient", "sender", "time"];

function sameKeys(value, names) {
  return Object.keys(value).sort().join(",") === names.join(",");
}

function isAddress(value) {
  return value instanceof Uint8Array && value.length === 20;
}

function wholeTime(value) {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "bigint" && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return null;
}

function plaintextOf(data) {
  const value = decodeCbor(data, "the opened message");
  if (!value || typeof value !== "object" || !sameKeys(value, PLAIN_KEYS)) {
    throw new LockerError("invalid_format", "the opened message is not a map of " + PLAIN_KEYS.join(", "));
  }
  const time = wholeTime(value.time);
  const name = value.name;
  if (!isAddress(value.sender) || !isAddress(value.recipient) || !KINDS.includes(value.kind) ||
      typeof name !== "string" || name.length > NAME_MAX || /[\\/\0]/.test(name) ||
      name === "." || name === ".." || !(value.body instanceof Uint8Array) || time === null) {
    throw new LockerError("invalid_format", "the opened message breaks the message rules");
  }
  return { sender: value.sender, recipient: value.recipient, kind: value.kind, name, body: value.body, time };
}

/**
 * What a message sealed to the locker key `privateKey` of the account `recipient` (20 bytes)
 * says: `{sender, recipient, kind, name, body, time}`. A message that does not open (altered,
 * sealed to another locker, or naming another recipient) is LockerError `decryption_failed`;
 * one that is not a sealed message `invalid_format`.
 */
export function openMessage(suite, privateKey, recipient, sealed) {
  if (!(sealed instanceof Uint8Array) || sealed.length < 1 || sealed.length > MESSAGE_MAX) {
    throw new LockerError("invalid_format", "a sealed message is 1 to 262144 bytes");
  }
  if (!isAddress(recipient)) throw new LockerError("invalid_args", "an address is 20 bytes");
  const outer = decodeCbor(sealed, "the sealed message");
  if (!outer || typeof outer !== "object" || !sameKeys(outer, ["box", "key", "v"]) || outer.v !== 1 ||
      !(outer.key instanceof Uint8Array) || !(outer.box instanceof Uint8Array)) {
    throw new LockerError("invalid_format", 'a sealed message is a map {"v": 1, "key", "box"}');
  }
  const notOpened = () =>
    new LockerError("decryption_failed", "the message does not decrypt: altered, or not to this account");
  let dataKey;
  try {
    dataKey = openEnvelope(suite, privateKey, outer.key);
  } catch {
    throw notOpened();
  }
  const data = aeadOpen(suite, dataKey, outer.box, concatBytes(MESSAGE_DOMAIN, recipient));
  if (data === null) throw notOpened();
  const plaintext = plaintextOf(data);
  if (bytesToHex(plaintext.recipient) !== bytesToHex(recipient)) {
    throw new LockerError("decryption_failed", "the message names another recipient");
  }
  return plaintext;
}
