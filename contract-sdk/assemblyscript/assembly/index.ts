// GovChain's support library for contracts written in AssemblyScript
// (docs/spec/contracts.md, "The host interface" and "Contract languages").
//
// A contract's entry file re-exports `govchain_alloc` from here and exports its
// methods, each `(argsPtr: i32, argsLen: i32): i64`:
//
//   export { govchain_alloc } from "<path>/contract-sdk/assemblyscript/assembly/index";
//   export function quote(argsPtr: i32, argsLen: i32): i64 {
//     const a = args(argsPtr, argsLen);
//     return result(new CborMap().setInt("fee", a.getInt("capital_wan") * 10));
//   }
//
// Build with the stub runtime (a call runs in a fresh instance, so nothing is
// ever freed) and route AssemblyScript's own abort to `abortHook`; the
// examples' asconfig.json show both.
import * as host from "./host";
import { CborMap } from "./cbor";
import { fail } from "./fail";

export { CborMap, CborValue, KIND_INT, KIND_TEXT, KIND_BYTES, KIND_BOOL } from "./cbor";
export { fail, abortHook } from "./fail";

/** The size of an address (`caller`, `hasRole`). */
export const ADDRESS_BYTES: i32 = 20;
/** The largest value a key may hold (the host refuses more). */
export const MAX_VALUE_BYTES: i32 = 65536;

/** Room for `size` bytes the host copies the arguments into; exported by every contract. */
export function govchain_alloc(size: i32): i32 {
  if (size < 0) fail("negative allocation");
  return <i32>heap.alloc(<usize>size);
}

function ptr(data: Uint8Array): i32 {
  return <i32>data.dataStart;
}

function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

/** The raw argument bytes of a method call. */
export function argBytes(argsPtr: i32, argsLen: i32): Uint8Array {
  const out = new Uint8Array(argsLen);
  memory.copy(out.dataStart, <usize>argsPtr, <usize>argsLen);
  return out;
}

/** The arguments of a method call, decoded as a canonical CBOR map (else the call ends). */
export function args(argsPtr: i32, argsLen: i32): CborMap {
  return CborMap.decode(argBytes(argsPtr, argsLen));
}

/** A method's return value for `bytes` (canonical CBOR): `(pointer << 32) | length`. */
export function resultBytes(bytes: Uint8Array): i64 {
  return (<i64>ptr(bytes) << 32) | <i64>bytes.length;
}

/** A method's return value for a map. */
export function result(map: CborMap): i64 {
  return resultBytes(map.encode());
}

/** The value of the contract's own `key`, or null when absent. */
export function stateGet(key: Uint8Array): Uint8Array | null {
  let out = new Uint8Array(256);
  let len = host.state_get(ptr(key), key.length, ptr(out), out.length);
  if (len < 0) return null;
  if (len > out.length) {
    out = new Uint8Array(len);
    len = host.state_get(ptr(key), key.length, ptr(out), out.length);
  }
  return out.slice(0, len);
}

/** Writes the contract's own `key`. */
export function stateSet(key: Uint8Array, value: Uint8Array): void {
  host.state_set(ptr(key), key.length, ptr(value), value.length);
}

/** Deletes the contract's own `key`. */
export function stateDelete(key: Uint8Array): void {
  host.state_delete(ptr(key), key.length);
}

/** The value of a text key as text (UTF-8), or null when absent. */
export function stateGetString(key: string): string | null {
  const value = stateGet(utf8(key));
  if (value === null) return null;
  return String.UTF8.decode(value.buffer);
}

/** Writes text under a text key (both UTF-8). */
export function stateSetString(key: string, value: string): void {
  stateSet(utf8(key), utf8(value));
}

/** The map stored under a text key, or null when absent. */
export function stateGetMap(key: string): CborMap | null {
  const value = stateGet(utf8(key));
  if (value === null) return null;
  return CborMap.decode(value);
}

/** Stores a map (canonical CBOR) under a text key. */
export function stateSetMap(key: string, value: CborMap): void {
  stateSet(utf8(key), value.encode());
}

/** Deletes a text key. */
export function stateDeleteString(key: string): void {
  stateDelete(utf8(key));
}

/** Emits the event `contracts.event {contract, name, data}`. */
export function emit(name: string, data: CborMap): void {
  const raw = utf8(name);
  const body = data.encode();
  host.emit(ptr(raw), raw.length, ptr(body), body.length);
}

/** The 20-byte address of the tx's sender. */
export function caller(): Uint8Array {
  const out = new Uint8Array(ADDRESS_BYTES);
  host.caller(ptr(out));
  return out;
}

/** The block's height. */
export function height(): i64 {
  return host.height();
}

/** The block's BFT time, in milliseconds since the epoch (UTC). */
export function time(): i64 {
  return host.time();
}

/** The 32-byte hash of the tx. */
export function txHash(): Uint8Array {
  const out = new Uint8Array(32);
  host.tx_hash(ptr(out));
  return out;
}

/** Whether the 20-byte address is an active account holding `role`. */
export function hasRole(address: Uint8Array, role: string): bool {
  if (address.length != ADDRESS_BYTES) fail("an address is 20 bytes");
  const raw = utf8(role);
  return host.has_role(ptr(address), ptr(raw), raw.length) == 1;
}
