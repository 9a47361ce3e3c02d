// The host interface: the imports of module "govchain" (docs/spec/contracts.md,
// "The host interface"). Every pointer and length is an i32 offset into this
// module's memory. Contracts call the wrappers in index.ts, not these.

// @ts-ignore: decorator
@external("govchain", "state_get")
export declare function state_get(keyPtr: i32, keyLen: i32, outPtr: i32, outCap: i32): i32;

// @ts-ignore: decorator
@external("govchain", "state_set")
export declare function state_set(keyPtr: i32, keyLen: i32, valPtr: i32, valLen: i32): void;

// @ts-ignore: decorator
@external("govchain", "state_delete")
export declare function state_delete(keyPtr: i32, keyLen: i32): void;

// @ts-ignore: decorator
@external("govchain", "emit")
export declare function emit(namePtr: i32, nameLen: i32, dataPtr: i32, dataLen: i32): void;

// @ts-ignore: decorator
@external("govchain", "caller")
export declare function caller(outPtr: i32): i32;

// @ts-ignore: decorator
@external("govchain", "height")
export declare function height(): i64;

// @ts-ignore: decorator
@external("govchain", "time")
export declare function time(): i64;

// @ts-ignore: decorator
@external("govchain", "tx_hash")
export declare function tx_hash(outPtr: i32): i32;

// @ts-ignore: decorator
@external("govchain", "has_role")
export declare function has_role(addrPtr: i32, rolePtr: i32, roleLen: i32): i32;

// @ts-ignore: decorator
@external("govchain", "abort")
export declare function abort(msgPtr: i32, msgLen: i32): void;
