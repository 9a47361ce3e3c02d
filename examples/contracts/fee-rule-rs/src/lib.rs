//! Fee rule (version 1): the registration fee of a new enterprise (企业开办),
//! from its kind and registered capital, under a tariff a department admin sets.
//! See README.md for the methods; the AssemblyScript twin in ../fee-rule-as gives
//! the same results, state and events for the same calls.

use govchain_contract::{args, caller, emit, fail, has_role, height, result, state_get_map, state_set_map, Map, Value};

/// The largest registered capital, in 万元, a quote accepts.
const MAX_CAPITAL_WAN: i64 = 1_000_000_000;
/// The largest amount, in 分, a tariff may name.
const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000;
const MAX_CASE_BYTES: usize = 64;

fn check_kind(kind: &str) {
    if !kind.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
        fail("kind is lowercase letters, digits and _");
    }
    if kind.is_empty() || kind.len() > 32 {
        fail("kind is 1 to 32 characters");
    }
}

fn check_amount(name: &str, value: i64) {
    if !(0..=MAX_AMOUNT_FEN).contains(&value) {
        fail(&format!("{} is out of range", name));
    }
}

/// The fee in 分 for `capital_wan` under the kind's stored tariff.
fn fee_for(kind: &str, capital_wan: i64) -> i64 {
    check_kind(kind);
    if !(0..=MAX_CAPITAL_WAN).contains(&capital_wan) {
        fail("capital_wan is out of range");
    }
    let tariff = match state_get_map(&format!("tariff/{}", kind)) {
        Some(t) => t,
        None => fail(&format!("no tariff for kind {}", kind)),
    };
    let fee = tariff.int("base") + tariff.int("per_wan") * capital_wan;
    fee.min(tariff.int("cap"))
}

/// set_tariff {kind, base, per_wan, cap}: an admin sets a kind's tariff (amounts in 分).
#[no_mangle]
pub extern "C" fn set_tariff(args_ptr: i32, args_len: i32) -> i64 {
    let a = args(args_ptr, args_len);
    if !has_role(&caller(), "admin") {
        fail("only an admin sets a tariff");
    }
    let kind = a.text("kind");
    check_kind(kind);
    let (base, per_wan, cap) = (a.int("base"), a.int("per_wan"), a.int("cap"));
    check_amount("base", base);
    check_amount("per_wan", per_wan);
    check_amount("cap", cap);
    let tariff = Map::new().with("base", Value::Int(base)).with("per_wan", Value::Int(per_wan)).with("cap", Value::Int(cap));
    state_set_map(&format!("tariff/{}", kind), &tariff);
    emit("tariff_set", &tariff.with("kind", Value::Text(kind.to_string())));
    result(&Map::new().with("kind", Value::Text(kind.to_string())))
}

/// quote {kind, capital_wan}: the fee, changing nothing.
#[no_mangle]
pub extern "C" fn quote(args_ptr: i32, args_len: i32) -> i64 {
    let a = args(args_ptr, args_len);
    let kind = a.text("kind");
    let fee = fee_for(kind, a.int("capital_wan"));
    result(&Map::new().with("kind", Value::Text(kind.to_string())).with("fee", Value::Int(fee)))
}

/// record {case, kind, capital_wan}: decides a case's fee once, counts it and emits fee_decided.
#[no_mangle]
pub extern "C" fn record(args_ptr: i32, args_len: i32) -> i64 {
    let a = args(args_ptr, args_len);
    let case = a.text("case");
    if case.is_empty() || case.len() > MAX_CASE_BYTES {
        fail("case is 1 to 64 bytes");
    }
    let kind = a.text("kind");
    let capital_wan = a.int("capital_wan");
    let fee = fee_for(kind, capital_wan);
    let key = format!("decision/{}", case);
    if state_get_map(&key).is_some() {
        fail(&format!("case {} is decided already", case));
    }
    let number = state_get_map("decisions").map_or(0, |c| c.int("n")) + 1;
    state_set_map("decisions", &Map::new().with("n", Value::Int(number)));
    let decision = Map::new()
        .with("kind", Value::Text(kind.to_string()))
        .with("capital_wan", Value::Int(capital_wan))
        .with("fee", Value::Int(fee))
        .with("number", Value::Int(number))
        .with("height", Value::Int(height()))
        .with("by", Value::Bytes(caller().to_vec()));
    state_set_map(&key, &decision);
    let event = Map::new()
        .with("case", Value::Text(case.to_string()))
        .with("kind", Value::Text(kind.to_string()))
        .with("capital_wan", Value::Int(capital_wan))
        .with("fee", Value::Int(fee))
        .with("number", Value::Int(number));
    emit("fee_decided", &event);
    result(&Map::new().with("fee", Value::Int(fee)).with("number", Value::Int(number)))
}

/// stats {}: how many cases have been decided.
#[no_mangle]
pub extern "C" fn stats(args_ptr: i32, args_len: i32) -> i64 {
    args(args_ptr, args_len);
    let decided = state_get_map("decisions").map_or(0, |c| c.int("n"));
    result(&Map::new().with("decisions", Value::Int(decided)))
}
