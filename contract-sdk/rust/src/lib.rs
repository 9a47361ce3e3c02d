//! GovChain's support library for contracts written in Rust (docs/spec/contracts.md,
//! "The host interface" and "Contract languages").
//!
//! A contract is a `cdylib` crate for `wasm32-unknown-unknown` that depends on this
//! crate by path and exports its methods, each `(args_ptr: i32, args_len: i32) -> i64`:
//!
//! ```ignore
//! use govchain_contract::{args, result, Map, Value};
//!
//! #[no_mangle]
//! pub extern "C" fn quote(args_ptr: i32, args_len: i32) -> i64 {
//!     let a = args(args_ptr, args_len);
//!     result(&Map::new().with("fee", Value::Int(a.int("capital_wan") * 10)))
//! }
//! ```
//!
//! This crate exports `govchain_alloc` for every contract that links it. A call
//! runs in a fresh instance, so what a method allocates is never freed.
//! `fail` ends a call with a reason (`contract_abort`); a panic traps (`trap`).

pub mod cbor;

pub use cbor::{Map, Value};

mod host {
    #[link(wasm_import_module = "govchain")]
    extern "C" {
        pub fn state_get(key_ptr: i32, key_len: i32, out_ptr: i32, out_cap: i32) -> i32;
        pub fn state_set(key_ptr: i32, key_len: i32, val_ptr: i32, val_len: i32);
        pub fn state_delete(key_ptr: i32, key_len: i32);
        pub fn emit(name_ptr: i32, name_len: i32, data_ptr: i32, data_len: i32);
        pub fn caller(out_ptr: i32) -> i32;
        pub fn height() -> i64;
        pub fn time() -> i64;
        pub fn tx_hash(out_ptr: i32) -> i32;
        pub fn has_role(addr_ptr: i32, role_ptr: i32, role_len: i32) -> i32;
        pub fn abort(msg_ptr: i32, msg_len: i32);
    }
}

/// The size of an address (`caller`, `has_role`).
pub const ADDRESS_BYTES: usize = 20;

fn ptr(data: &[u8]) -> i32 {
    data.as_ptr() as i32
}

/// Room for `size` bytes the host copies the arguments into.
#[no_mangle]
pub extern "C" fn govchain_alloc(size: i32) -> i32 {
    if size < 0 {
        fail("negative allocation");
    }
    let room = vec![0u8; size as usize].into_boxed_slice();
    Box::leak(room).as_mut_ptr() as i32
}

/// Ends the call with `message` (the chain shows at most 256 bytes); never returns.
pub fn fail(message: &str) -> ! {
    unsafe { host::abort(ptr(message.as_bytes()), message.len() as i32) };
    core::arch::wasm32::unreachable()
}

/// The raw argument bytes of a method call.
pub fn arg_bytes(args_ptr: i32, args_len: i32) -> Vec<u8> {
    if args_len < 0 {
        fail("negative argument length");
    }
    let raw = unsafe { core::slice::from_raw_parts(args_ptr as usize as *const u8, args_len as usize) };
    raw.to_vec()
}

/// The arguments of a method call as a canonical CBOR map (else the call ends).
pub fn args(args_ptr: i32, args_len: i32) -> Map {
    match Map::decode(&arg_bytes(args_ptr, args_len)) {
        Ok(map) => map,
        Err(reason) => fail(reason),
    }
}

/// A method's return value for `bytes` (canonical CBOR): `(pointer << 32) | length`.
pub fn result_bytes(bytes: Vec<u8>) -> i64 {
    let kept = Box::leak(bytes.into_boxed_slice());
    ((kept.as_ptr() as u32 as i64) << 32) | kept.len() as i64
}

/// A method's return value for a map.
pub fn result(map: &Map) -> i64 {
    result_bytes(map.encode())
}

/// The value of the contract's own `key`, or `None` when absent.
pub fn state_get(key: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; 256];
    let mut len = unsafe { host::state_get(ptr(key), key.len() as i32, ptr(&out), out.len() as i32) };
    if len < 0 {
        return None;
    }
    if len as usize > out.len() {
        out = vec![0u8; len as usize];
        len = unsafe { host::state_get(ptr(key), key.len() as i32, ptr(&out), out.len() as i32) };
    }
    out.truncate(len as usize);
    Some(out)
}

/// Writes the contract's own `key`.
pub fn state_set(key: &[u8], value: &[u8]) {
    unsafe { host::state_set(ptr(key), key.len() as i32, ptr(value), value.len() as i32) }
}

/// Deletes the contract's own `key`.
pub fn state_delete(key: &[u8]) {
    unsafe { host::state_delete(ptr(key), key.len() as i32) }
}

/// The value of a text key as text, or `None` when absent (the call ends if it is not UTF-8).
pub fn state_get_string(key: &str) -> Option<String> {
    state_get(key.as_bytes()).map(|v| match String::from_utf8(v) {
        Ok(text) => text,
        Err(_) => fail("stored value is not UTF-8"),
    })
}

/// Writes text under a text key.
pub fn state_set_string(key: &str, value: &str) {
    state_set(key.as_bytes(), value.as_bytes())
}

/// The map stored under a text key, or `None` when absent.
pub fn state_get_map(key: &str) -> Option<Map> {
    state_get(key.as_bytes()).map(|v| match Map::decode(&v) {
        Ok(map) => map,
        Err(reason) => fail(reason),
    })
}

/// Stores a map (canonical CBOR) under a text key.
pub fn state_set_map(key: &str, value: &Map) {
    state_set(key.as_bytes(), &value.encode())
}

/// Deletes a text key.
pub fn state_delete_string(key: &str) {
    state_delete(key.as_bytes())
}

/// Emits the event `contracts.event {contract, name, data}`.
pub fn emit(name: &str, data: &Map) {
    let body = data.encode();
    unsafe { host::emit(ptr(name.as_bytes()), name.len() as i32, ptr(&body), body.len() as i32) }
}

/// The 20-byte address of the tx's sender.
pub fn caller() -> [u8; ADDRESS_BYTES] {
    let mut out = [0u8; ADDRESS_BYTES];
    unsafe { host::caller(out.as_mut_ptr() as i32) };
    out
}

/// The block's height.
pub fn height() -> i64 {
    unsafe { host::height() }
}

/// The block's BFT time, in milliseconds since the epoch (UTC).
pub fn time() -> i64 {
    unsafe { host::time() }
}

/// The 32-byte hash of the tx.
pub fn tx_hash() -> [u8; 32] {
    let mut out = [0u8; 32];
    unsafe { host::tx_hash(out.as_mut_ptr() as i32) };
    out
}

/// Whether `address` is an active account holding `role`.
pub fn has_role(address: &[u8; ADDRESS_BYTES], role: &str) -> bool {
    unsafe { host::has_role(ptr(address), ptr(role.as_bytes()), role.len() as i32) == 1 }
}
