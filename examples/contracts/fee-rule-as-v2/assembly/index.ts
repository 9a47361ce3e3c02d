// Fee rule (version 2): an upgrade of ../fee-rule-as that keeps its state.
// Tariffs, the decision counter and the decisions version 1 stored are read as
// they are; what is new: `decision {case}` returns a stored decision, and
// `stats` says which version answers. See README.md.
import {
  CborMap,
  args,
  caller,
  emit,
  fail,
  hasRole,
  height,
  result,
  stateGetMap,
  stateSetMap,
} from "../../../../contract-sdk/assemblyscript/assembly/index";

export { govchain_alloc } from "../../../../contract-sdk/assemblyscript/assembly/index";

/** The largest registered capital, in 万元, a quote accepts. */
const MAX_CAPITAL_WAN: i64 = 1_000_000_000;
/** The largest amount, in 分, a tariff may name. */
const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000;
const MAX_CASE_BYTES: i32 = 64;

function checkKind(kind: string): void {
  for (let i = 0; i < kind.length; i++) {
    const c = kind.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x5f;
    if (!ok) fail("kind is lowercase letters, digits and _");
  }
  if (kind.length < 1 || kind.length > 32) fail("kind is 1 to 32 characters");
}

function checkAmount(name: string, value: i64): void {
  if (value < 0 || value > MAX_AMOUNT_FEN) fail(name + " is out of range");
}

/** The fee in 分 for `capitalWan` under the kind's stored tariff. */
function feeFor(kind: string, capitalWan: i64): i64 {
  checkKind(kind);
  if (capitalWan < 0 || capitalWan > MAX_CAPITAL_WAN) fail("capital_wan is out of range");
  const tariff = stateGetMap("tariff/" + kind);
  if (tariff === null) fail("no tariff for kind " + kind);
  const t = tariff!;
  const fee = t.getInt("base") + t.getInt("per_wan") * capitalWan;
  const cap = t.getInt("cap");
  return fee < cap ? fee : cap;
}

/** set_tariff {kind, base, per_wan, cap}: an admin sets a kind's tariff (amounts in 分). */
export function set_tariff(argsPtr: i32, argsLen: i32): i64 {
  const a = args(argsPtr, argsLen);
  if (!hasRole(caller(), "admin")) fail("only an admin sets a tariff");
  const kind = a.getText("kind");
  checkKind(kind);
  const base = a.getInt("base");
  const perWan = a.getInt("per_wan");
  const cap = a.getInt("cap");
  checkAmount("base", base);
  checkAmount("per_wan", perWan);
  checkAmount("cap", cap);
  const tariff = new CborMap().setInt("base", base).setInt("per_wan", perWan).setInt("cap", cap);
  stateSetMap("tariff/" + kind, tariff);
  emit("tariff_set", new CborMap().setText("kind", kind).setInt("base", base).setInt("per_wan", perWan).setInt("cap", cap));
  return result(new CborMap().setText("kind", kind));
}

/** quote {kind, capital_wan}: the fee, changing nothing. */
export function quote(argsPtr: i32, argsLen: i32): i64 {
  const a = args(argsPtr, argsLen);
  const kind = a.getText("kind");
  const fee = feeFor(kind, a.getInt("capital_wan"));
  return result(new CborMap().setText("kind", kind).setInt("fee", fee));
}

/** record {case, kind, capital_wan}: decides a case's fee once, counts it and emits fee_decided. */
export function record(argsPtr: i32, argsLen: i32): i64 {
  const a = args(argsPtr, argsLen);
  const caseId = a.getText("case");
  const caseBytes = String.UTF8.byteLength(caseId);
  if (caseBytes < 1 || caseBytes > MAX_CASE_BYTES) fail("case is 1 to 64 bytes");
  const kind = a.getText("kind");
  const capitalWan = a.getInt("capital_wan");
  const fee = feeFor(kind, capitalWan);
  if (stateGetMap("decision/" + caseId) !== null) fail("case " + caseId + " is decided already");
  const counter = stateGetMap("decisions");
  const number = (counter === null ? 0 : counter.getInt("n")) + 1;
  stateSetMap("decisions", new CborMap().setInt("n", number));
  const decision = new CborMap()
    .setText("kind", kind)
    .setInt("capital_wan", capitalWan)
    .setInt("fee", fee)
    .setInt("number", number)
    .setInt("height", height())
    .setBytes("by", caller());
  stateSetMap("decision/" + caseId, decision);
  emit(
    "fee_decided",
    new CborMap().setText("case", caseId).setText("kind", kind).setInt("capital_wan", capitalWan).setInt("fee", fee).setInt("number", number),
  );
  return result(new CborMap().setInt("fee", fee).setInt("number", number));
}

/** stats {}: how many cases have been decided, and this version (2). */
export function stats(argsPtr: i32, argsLen: i32): i64 {
  args(argsPtr, argsLen);
  const counter = stateGetMap("decisions");
  return result(
    new CborMap().setInt("decisions", counter === null ? 0 : counter.getInt("n")).setInt("version", 2),
  );
}

/** decision {case}: the stored decision of a case (version 1's or this one's). */
export function decision(argsPtr: i32, argsLen: i32): i64 {
  const caseId = args(argsPtr, argsLen).getText("case");
  const stored = stateGetMap("decision/" + caseId);
  if (stored === null) fail("case " + caseId + " has no decision");
  return result(stored!);
}
