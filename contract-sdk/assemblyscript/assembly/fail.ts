// Ending a call with a reason: the host's abort, which the chain reports as
// `contract_abort: <message>` and which undoes every write and event of the call.
import * as host from "./host";

/** Ends the call with `message` (UTF-8, the chain shows at most 256 bytes); never returns. */
export function fail(message: string): void {
  const bytes = String.UTF8.encode(message);
  host.abort(<i32>changetype<usize>(bytes), bytes.byteLength);
  unreachable();
}

/**
 * The hook for AssemblyScript's own `abort` (a failed `assert`, an index out of
 * range): asconfig.json routes it here with `"use": ["abort=..."]`, so the
 * module imports nothing outside the host interface. The file name and line
 * are left out: they would make the message depend on the source layout.
 */
export function abortHook(message: string | null, fileName: string | null, line: u32, column: u32): void {
  fail(message !== null ? message : "assertion failed");
}
