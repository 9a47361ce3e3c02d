// Canonical CBOR (docs/formats.md section 1) of the one shape contracts pass:
// a map with text keys whose values are integers (i64), text, bytes or booleans.
// The encoder writes shortest heads and sorts keys by their encoded bytes; the
// decoder accepts only what the encoder writes, so a value has one encoding.
import { fail } from "./fail";

export const KIND_INT: i32 = 0;
export const KIND_TEXT: i32 = 1;
export const KIND_BYTES: i32 = 2;
export const KIND_BOOL: i32 = 3;

const MAJOR_UINT: u8 = 0;
const MAJOR_NEGINT: u8 = 1;
const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_MAP: u8 = 5;
const MAJOR_SIMPLE: u8 = 7;

/** One value of a map: its kind says which field holds it. */
export class CborValue {
  kind: i32 = KIND_INT;
  int: i64 = 0;
  text: string = "";
  bytes: Uint8Array = new Uint8Array(0);
  flag: bool = false;

  static ofInt(value: i64): CborValue {
    const v = new CborValue();
    v.kind = KIND_INT;
    v.int = value;
    return v;
  }

  static ofText(value: string): CborValue {
    const v = new CborValue();
    v.kind = KIND_TEXT;
    v.text = value;
    return v;
  }

  static ofBytes(value: Uint8Array): CborValue {
    const v = new CborValue();
    v.kind = KIND_BYTES;
    v.bytes = value;
    return v;
  }

  static ofBool(value: bool): CborValue {
    const v = new CborValue();
    v.kind = KIND_BOOL;
    v.flag = value;
    return v;
  }
}

/** A growable byte buffer the encoder writes into. */
class ByteWriter {
  buf: Uint8Array = new Uint8Array(64);
  len: i32 = 0;

  reserve(extra: i32): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  byte(b: u8): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  head(major: u8, n: u64): void {
    const m = major << 5;
    if (n < 24) {
      this.byte(m | <u8>n);
    } else if (n <= 0xff) {
      this.byte(m | 24);
      this.byte(<u8>n);
    } else if (n <= 0xffff) {
      this.byte(m | 25);
      this.bigEndian(n, 2);
    } else if (n <= 0xffffffff) {
      this.byte(m | 26);
      this.bigEndian(n, 4);
    } else {
      this.byte(m | 27);
      this.bigEndian(n, 8);
    }
  }

  bigEndian(n: u64, width: i32): void {
    for (let i = width - 1; i >= 0; i--) this.byte(<u8>(n >> (<u64>i * 8)));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

function encodedKey(key: string): Uint8Array {
  const w = new ByteWriter();
  const raw = utf8(key);
  w.head(MAJOR_TEXT, <u64>raw.length);
  w.bytes(raw);
  return w.finish();
}

/** -1, 0 or 1 as `a` sorts before, with or after `b` bytewise. */
function compareBytes(a: Uint8Array, b: Uint8Array): i32 {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  if (a.length == b.length) return 0;
  return a.length < b.length ? -1 : 1;
}

/** Whether `data` is well-formed UTF-8 with no surrogates and no overlong forms. */
function validUtf8(data: Uint8Array): bool {
  let i = 0;
  while (i < data.length) {
    const b0 = <u32>data[i];
    let need = 0;
    let min: u32 = 0;
    let cp: u32 = 0;
    if (b0 < 0x80) {
      i++;
      continue;
    } else if ((b0 & 0xe0) == 0xc0) {
      need = 1; min = 0x80; cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      need = 2; min = 0x800; cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      need = 3; min = 0x10000; cp = b0 & 0x07;
    } else {
      return false;
    }
    if (i + need >= data.length) return false;
    for (let k = 1; k <= need; k++) {
      const b = <u32>data[i + k];
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Reads one canonical item after another; any departure ends the call. */
class ByteReader {
  pos: i32 = 0;
  constructor(public data: Uint8Array) {}

  left(): i32 {
    return this.data.length - this.pos;
  }

  byte(): u8 {
    if (this.pos >= this.data.length) fail("bad CBOR: input ends early");
    return this.data[this.pos++];
  }

  /** The head's argument; `major` is set on the reader for the caller. */
  major: u8 = 0;

  head(): u64 {
    const first = this.byte();
    this.major = first >> 5;
    const info = first & 0x1f;
    if (info < 24) return <u64>info;
    if (info > 27) fail("bad CBOR: indefinite length or reserved head");
    const width = 1 << (info - 24);
    let n: u64 = 0;
    for (let i = 0; i < width; i++) n = (n << 8) | <u64>this.byte();
    const shortest: u64 = width == 1 ? 24 : width == 2 ? 0x100 : width == 4 ? 0x10000 : 0x100000000;
    if (n < shortest) fail("bad CBOR: head is not in its shortest form");
    return n;
  }

  take(n: u64): Uint8Array {
    if (n > <u64>this.left()) fail("bad CBOR: a string is longer than the input");
    const out = this.data.slice(this.pos, this.pos + <i32>n);
    this.pos += <i32>n;
    return out;
  }
}

/** A map with text keys, kept sorted by the keys' encoded bytes. */
export class CborMap {
  private keys: Array<string> = new Array<string>();
  private encodedKeys: Array<Uint8Array> = new Array<Uint8Array>();
  private values: Array<CborValue> = new Array<CborValue>();

  get size(): i32 {
    return this.keys.length;
  }

  keyAt(index: i32): string {
    return this.keys[index];
  }

  valueAt(index: i32): CborValue {
    return this.values[index];
  }

  private indexOf(key: string): i32 {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return i;
    }
    return -1;
  }

  has(key: string): bool {
    return this.indexOf(key) >= 0;
  }

  /** Sets `key`, replacing its value when present; keeps the canonical order. */
  set(key: string, value: CborValue): CborMap {
    const at = this.indexOf(key);
    if (at >= 0) {
      this.values[at] = value;
      return this;
    }
    const encoded = encodedKey(key);
    this.keys.push(key);
    this.encodedKeys.push(encoded);
    this.values.push(value);
    let i = this.keys.length - 1;
    while (i > 0 && compareBytes(this.encodedKeys[i - 1], encoded) > 0) {
      this.keys[i] = this.keys[i - 1];
      this.encodedKeys[i] = this.encodedKeys[i - 1];
      this.values[i] = this.values[i - 1];
      i--;
    }
    this.keys[i] = key;
    this.encodedKeys[i] = encoded;
    this.values[i] = value;
    return this;
  }

  setInt(key: string, value: i64): CborMap {
    return this.set(key, CborValue.ofInt(value));
  }

  setText(key: string, value: string): CborMap {
    return this.set(key, CborValue.ofText(value));
  }

  setBytes(key: string, value: Uint8Array): CborMap {
    return this.set(key, CborValue.ofBytes(value));
  }

  setBool(key: string, value: bool): CborMap {
    return this.set(key, CborValue.ofBool(value));
  }

  private need(key: string, kind: i32, what: string): CborValue {
    const at = this.indexOf(key);
    if (at < 0) fail("missing field " + key);
    const value = this.values[at];
    if (value.kind != kind) fail("field " + key + " is not " + what);
    return value;
  }

  getInt(key: string): i64 {
    return this.need(key, KIND_INT, "an integer").int;
  }

  getText(key: string): string {
    return this.need(key, KIND_TEXT, "text").text;
  }

  getBytes(key: string): Uint8Array {
    return this.need(key, KIND_BYTES, "bytes").bytes;
  }

  getBool(key: string): bool {
    return this.need(key, KIND_BOOL, "a boolean").flag;
  }

  /** Canonical CBOR of the map. */
  encode(): Uint8Array {
    const w = new ByteWriter();
    w.head(MAJOR_MAP, <u64>this.keys.length);
    for (let i = 0; i < this.keys.length; i++) {
      w.bytes(this.encodedKeys[i]);
      const v = this.values[i];
      if (v.kind == KIND_INT) {
        if (v.int >= 0) w.head(MAJOR_UINT, <u64>v.int);
        else w.head(MAJOR_NEGINT, <u64>(-1 - v.int));
      } else if (v.kind == KIND_TEXT) {
        const raw = utf8(v.text);
        w.head(MAJOR_TEXT, <u64>raw.length);
        w.bytes(raw);
      } else if (v.kind == KIND_BYTES) {
        w.head(MAJOR_BYTES, <u64>v.bytes.length);
        w.bytes(v.bytes);
      } else {
        w.byte(v.flag ? 0xf5 : 0xf4);
      }
    }
    return w.finish();
  }

  /** Decodes canonical CBOR of such a map; anything else ends the call with the reason. */
  static decode(data: Uint8Array): CborMap {
    const r = new ByteReader(data);
    const count = r.head();
    if (r.major != MAJOR_MAP) fail("bad CBOR: expected a map");
    if (count > <u64>(r.left() / 2)) fail("bad CBOR: more entries than the input holds");
    const map = new CborMap();
    let previous: Uint8Array | null = null;
    for (let i: u64 = 0; i < count; i++) {
      const keyStart = r.pos;
      const keyLen = r.head();
      if (r.major != MAJOR_TEXT) fail("bad CBOR: a map key is not text");
      const keyRaw = r.take(keyLen);
      if (!validUtf8(keyRaw)) fail("bad CBOR: invalid UTF-8");
      const encoded = data.slice(keyStart, r.pos);
      if (previous !== null && compareBytes(previous, encoded) >= 0) {
        fail("bad CBOR: map keys are not sorted or repeat");
      }
      previous = encoded;
      const key = String.UTF8.decode(keyRaw.buffer);
      map.keys.push(key);
      map.encodedKeys.push(encoded);
      map.values.push(readValue(r));
    }
    if (r.left() != 0) fail("bad CBOR: trailing bytes");
    return map;
  }
}

const I64_MAX: u64 = 0x7fffffffffffffff;

function readValue(r: ByteReader): CborValue {
  const n = r.head();
  const major = r.major;
  if (major == MAJOR_UINT) {
    if (n > I64_MAX) fail("bad CBOR: integer out of range");
    return CborValue.ofInt(<i64>n);
  }
  if (major == MAJOR_NEGINT) {
    if (n > I64_MAX) fail("bad CBOR: integer out of range");
    return CborValue.ofInt(-1 - <i64>n);
  }
  if (major == MAJOR_BYTES) return CborValue.ofBytes(r.take(n));
  if (major == MAJOR_TEXT) {
    const raw = r.take(n);
    if (!validUtf8(raw)) fail("bad CBOR: invalid UTF-8");
    return CborValue.ofText(String.UTF8.decode(raw.buffer));
  }
  if (major == MAJOR_SIMPLE && (n == 20 || n == 21)) return CborValue.ofBool(n == 21);
  fail("bad CBOR: values are integers, text, bytes or booleans");
  return CborValue.ofBool(false);
}
