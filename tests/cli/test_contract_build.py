"""``govchain contract build`` builds the examples from source (issue 20 item 3; F-D1, F-D2).

Both examples build, twice to the same bytes (also from another directory),
import only the spec's host functions with their exact types, export exactly
``memory``, ``govchain_alloc`` and their methods, and behave the same in both
languages in the chain's sandbox (module rules, fuel, limits) over a stand-in
of the chain's state (tests/cli/contract_fake_host.py): state, events, results
and the canonical CBOR of their support libraries. Skipped,
with the reason, only where a compiler is genuinely missing (make install
installs both).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import wasmtime

from govchain.codec import decode, encode
from govchain.codec.hashing import digest
from govchain.contract_build import CompilerMissingError
from govchain.contract_build.assemblyscript import find_asc
from govchain.contract_build.rust import find_rustc
from tests.cli.contract_fake_host import HOST_IMPORTS, FakeHost
from tests.govchain_cli import govchain, govchain_json, one_line_error

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "contracts"
SDK = ROOT / "contract-sdk"
METHODS_V1 = {"set_tariff", "quote", "record", "stats"}
ADMIN = b"\x11" * 20
CLERK = b"\x33" * 20
TARIFF = {"kind": "limited_liability", "base": 10_000, "per_wan": 5, "cap": 5_000_000_000}


def _asc_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (scripts/install-system-packages.sh installs it)"
    try:
        find_asc(EXAMPLES / "fee-rule-as")
    except CompilerMissingError as exc:
        return str(exc)
    return None


def _rustc_missing() -> str | None:
    try:
        find_rustc()
    except CompilerMissingError as exc:
        return str(exc)
    return None


needs_asc = pytest.mark.skipif(_asc_missing() is not None, reason=str(_asc_missing()))
needs_rustc = pytest.mark.skipif(_rustc_missing() is not None, reason=str(_rustc_missing()))
LANGUAGES = [
    pytest.param("fee-rule-as", marks=needs_asc, id="assemblyscript"),
    pytest.param("fee-rule-rs", marks=needs_rustc, id="rust"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each example that has its compiler here, built once through the CLI."""
    out_dir = tmp_path_factory.mktemp("contracts")
    modules = {}
    for name, missing in [
        ("fee-rule-as", _asc_missing()),
        ("fee-rule-as-v2", _asc_missing()),
        ("fee-rule-rs", _rustc_missing()),
    ]:
        if missing is None:
            out = out_dir / f"{name}.wasm"
            report = govchain_json("contract", "build", EXAMPLES / name, "--out", out)
            assert report["out"] == str(out)
            assert report["size"] == out.stat().st_size
            extra = {"decision"} if name.endswith("-v2") else set()
            assert set(report["methods"]) == METHODS_V1 | extra  # the module rules' own list
            modules[name] = out.read_bytes()
    return modules


def _copy_project(tmp_path: Path, name: str) -> Path:
    """The example and the support libraries under another directory, as a fresh clone has them."""
    shutil.copytree(EXAMPLES / name, tmp_path / "examples" / "contracts" / name)
    shutil.copytree(SDK / "rust", tmp_path / "contract-sdk" / "rust")
    shutil.copytree(
        SDK / "assemblyscript" / "assembly",
        tmp_path / "contract-sdk" / "assemblyscript" / "assembly",
    )
    return tmp_path / "examples" / "contracts" / name


@pytest.mark.parametrize("name", LANGUAGES)
def test_f_d1_build_is_reproducible_across_builds_and_directories(
    name: str, built: dict[str, bytes], tmp_path: Path
) -> None:
    copy = _copy_project(tmp_path, name)
    result = govchain("contract", "build", copy)
    default_out = copy / "build" / f"{name}.wasm"
    assert default_out.read_bytes() == built[name]
    assert f"code hash sm3:    {digest('sm3', built[name]).hex()}" in result.stdout
    again = govchain_json("contract", "build", copy, "--out", tmp_path / "again.wasm")
    assert (tmp_path / "again.wasm").read_bytes() == built[name]
    assert again["sm3"] == digest("sm3", built[name]).hex()
    assert again["sha256"] == digest("sha256", built[name]).hex()


def _imports_exports(module: bytes) -> tuple[dict[str, tuple], dict[str, object]]:
    compiled = wasmtime.Module(wasmtime.Engine(), module)
    imports = {}
    for item in compiled.imports:
        assert item.module == "govchain", item.module
        assert isinstance(item.type, wasmtime.FuncType), item.name
        imports[item.name] = (
            tuple(str(t) for t in item.type.params),
            tuple(str(t) for t in item.type.results),
        )
    exports = {item.name: item.type for item in compiled.exports}
    return imports, exports


@pytest.mark.parametrize("name", [*LANGUAGES, pytest.param("fee-rule-as-v2", marks=needs_asc)])
def test_f_d2_module_imports_and_exports_are_exactly_the_spec(
    name: str, built: dict[str, bytes]
) -> None:
    imports, exports = _imports_exports(built[name])
    assert imports, "a contract uses the host interface"
    for import_name, signature in imports.items():
        assert HOST_IMPORTS[import_name] == signature, import_name
    methods = METHODS_V1 | ({"decision"} if name.endswith("-v2") else set())
    assert set(exports) == {"memory", "govchain_alloc"} | methods
    assert isinstance(exports["memory"], wasmtime.MemoryType)
    alloc = exports["govchain_alloc"]
    assert isinstance(alloc, wasmtime.FuncType)
    assert [str(t) for t in alloc.params] == ["i32"]
    assert [str(t) for t in alloc.results] == ["i32"]
    for method in methods:
        kind = exports[method]
        assert isinstance(kind, wasmtime.FuncType)
        assert [str(t) for t in kind.params] == ["i32", "i32"]
        assert [str(t) for t in kind.results] == ["i64"]


@pytest.mark.parametrize("name", LANGUAGES)
def test_f_d2_module_has_no_floats(name: str, built: dict[str, bytes], tmp_path: Path) -> None:
    """The default chain forbids floats; binaryen's disassembler (installed with asc) shows none."""
    disassembler = SDK / "assemblyscript" / "node_modules" / ".bin" / "wasm-dis"
    if not disassembler.exists():
        pytest.skip("binaryen's wasm-dis comes with the AssemblyScript compiler (make install)")
    module = tmp_path / "m.wasm"
    module.write_bytes(built[name])
    text = subprocess.run(
        [str(disassembler), str(module)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "(func" in text
    assert "f32" not in text
    assert "f64" not in text


def _run(host: FakeHost, module: bytes, method: str, args: object) -> tuple[object, str | None]:
    outcome = host.call(module, method, encode(args))
    return (decode(outcome.result) if outcome.result is not None else None), outcome.abort


def _session(module: bytes) -> tuple[list[object], FakeHost]:
    """The fee rule's story: a clerk is refused, an admin sets a tariff, cases are decided."""
    host = FakeHost(caller=CLERK, roles={(ADMIN, "admin")})
    seen: list[object] = []
    seen.append(_run(host, module, "set_tariff", TARIFF))
    host.caller = ADMIN
    outcome = host.call(module, "set_tariff", encode(TARIFF))
    seen.append((decode(outcome.result or b""), outcome.events, outcome.writes))
    seen.append(_run(host, module, "quote", {"kind": "limited_liability", "capital_wan": 100}))
    seen.append(_run(host, module, "quote", {"kind": "limited_liability", "capital_wan": 10**9}))
    seen.append(_run(host, module, "quote", {"kind": "sole_trader", "capital_wan": 1}))
    seen.append(_run(host, module, "quote", {"kind": "limited_liability", "capital_wan": -1}))
    seen.append(_run(host, module, "quote", {"kind": "Bad Kind", "capital_wan": 1}))
    host.caller = CLERK
    for case in ["370102-2026-0001", "济南-2026-0002"]:
        outcome = host.call(
            module,
            "record",
            encode({"case": case, "kind": "limited_liability", "capital_wan": 300}),
        )
        seen.append((decode(outcome.result or b""), outcome.events, outcome.abort))
    seen.append(
        _run(
            host,
            module,
            "record",
            {"case": "370102-2026-0001", "kind": "limited_liability", "capital_wan": 1},
        )
    )
    seen.append(_run(host, module, "stats", {}))
    return seen, host


@pytest.mark.parametrize("name", LANGUAGES)
def test_f_d1_fee_rule_decides_counts_and_emits(name: str, built: dict[str, bytes]) -> None:
    seen, host = _session(built[name])
    assert seen[0] == (None, "only an admin sets a tariff")
    stored = {"base": 10_000, "per_wan": 5, "cap": 5_000_000_000}
    assert seen[1] == (
        {"kind": "limited_liability"},
        [("tariff_set", encode(TARIFF))],
        [(b"tariff/limited_liability", encode(stored))],
    )
    assert seen[2] == ({"kind": "limited_liability", "fee": 10_500}, None)
    assert seen[3] == ({"kind": "limited_liability", "fee": 5_000_000_000}, None)  # the cap
    assert seen[4] == (None, "no tariff for kind sole_trader")
    assert seen[5] == (None, "capital_wan is out of range")
    assert seen[6] == (None, "kind is lowercase letters, digits and _")
    event = {
        "case": "济南-2026-0002",
        "kind": "limited_liability",
        "capital_wan": 300,
        "fee": 11_500,
        "number": 2,
    }
    assert seen[8] == ({"fee": 11_500, "number": 2}, [("fee_decided", encode(event))], None)
    assert seen[9] == (None, "case 370102-2026-0001 is decided already")
    assert seen[10] == ({"decisions": 2}, None)
    decision = decode(host.state["decision/济南-2026-0002".encode()])
    assert decision == {
        "kind": "limited_liability",
        "capital_wan": 300,
        "fee": 11_500,
        "number": 2,
        "height": host.height,
        "by": CLERK,
    }


@needs_asc
@needs_rustc
def test_f_d1_both_languages_give_the_same_results_state_and_events(
    built: dict[str, bytes],
) -> None:
    seen_as, host_as = _session(built["fee-rule-as"])
    seen_rs, host_rs = _session(built["fee-rule-rs"])
    assert seen_as == seen_rs
    assert host_as.state == host_rs.state


@needs_asc
def test_f_d1_version_2_reads_the_state_version_1_wrote(built: dict[str, bytes]) -> None:
    _, host = _session(built["fee-rule-as"])
    v2 = built["fee-rule-as-v2"]
    assert _run(host, v2, "stats", {}) == ({"decisions": 2, "version": 2}, None)
    stored, abort = _run(host, v2, "decision", {"case": "370102-2026-0001"})
    assert abort is None
    assert stored["number"] == 1
    assert stored["fee"] == 11_500
    assert _run(
        host, v2, "record", {"case": "c-3", "kind": "limited_liability", "capital_wan": 0}
    ) == (
        {"fee": 10_000, "number": 3},
        None,
    )
    assert _run(host, v2, "decision", {"case": "nope"}) == (None, "case nope has no decision")


NOT_CANONICAL = [
    ("a2", "bad CBOR: more entries than the input holds"),
    ("bf6161 01 ff", "bad CBOR: indefinite length or reserved head"),
    (
        "a2 6b6361706974616c5f77616e 01 646b696e64 6161",
        "bad CBOR: map keys are not sorted or repeat",
    ),
    ("a2 6161 01 6161 02", "bad CBOR: map keys are not sorted or repeat"),
    ("a1 6161 1801", "bad CBOR: head is not in its shortest form"),
    ("a1 6161 1b8000000000000000", "bad CBOR: integer out of range"),
    ("a1 6161 fb3ff0000000000000", "bad CBOR: values are integers, text, bytes or booleans"),
    ("a1 6161 80", "bad CBOR: values are integers, text, bytes or booleans"),
    ("a1 01 01", "bad CBOR: a map key is not text"),
    ("a1 6161 62c328", "bad CBOR: invalid UTF-8"),
    ("a1 6161 63eda080", "bad CBOR: invalid UTF-8"),
    ("a0 00", "bad CBOR: trailing bytes"),
    ("80", "bad CBOR: expected a map"),
    ("a1 6161 65616263", "bad CBOR: a string is longer than the input"),
]


@pytest.mark.parametrize("name", LANGUAGES)
@pytest.mark.parametrize(("hex_args", "reason"), NOT_CANONICAL)
def test_f_d2_support_library_refuses_non_canonical_cbor(
    name: str, hex_args: str, reason: str, built: dict[str, bytes]
) -> None:
    outcome = FakeHost().call(built[name], "quote", bytes.fromhex(hex_args.replace(" ", "")))
    assert outcome.result is None
    assert outcome.abort == reason


@pytest.mark.parametrize("name", LANGUAGES)
def test_f_d2_support_library_reads_every_value_kind(name: str, built: dict[str, bytes]) -> None:
    """Keys sorted by encoded bytes; every int head width; text, bytes, bool values are read."""
    host = FakeHost()
    args = {
        "kind": "x" * 32,
        "capital_wan": 2**32,
        "by": b"\x00" * 300,
        "flag": True,
        "z": -(2**63),
    }
    assert _run(host, built[name], "quote", args) == (None, "capital_wan is out of range")
    for capital in [0, 23, 24, 255, 256, 65_535, 65_536, 10**9]:
        args = {"kind": "k", "capital_wan": capital, "extra": False, "note": "注册资本"}
        assert _run(host, built[name], "quote", args) == (None, "no tariff for kind k")


def test_build_refuses_what_is_not_a_contract(tmp_path: Path) -> None:
    assert "is not a contract: expected asconfig.json" in one_line_error(
        govchain("contract", "build", tmp_path, check=False)
    )
    assert "is not a directory" in one_line_error(
        govchain("contract", "build", tmp_path / "nope", check=False)
    )


def test_build_refuses_a_crate_from_outside(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text("")
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "c"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n'
        '[dependencies]\nserde = "1"\n'
    )
    line = one_line_error(govchain("contract", "build", tmp_path, check=False))
    assert "dependency serde is not a path dependency" in line


def test_build_refuses_asconfig_options_that_add_to_the_module(tmp_path: Path) -> None:
    config = json.loads((EXAMPLES / "fee-rule-as" / "asconfig.json").read_text())
    config["targets"]["release"]["exportRuntime"] = True
    (tmp_path / "asconfig.json").write_text(json.dumps(config))
    line = one_line_error(govchain("contract", "build", tmp_path, check=False))
    assert "exportRuntime would add runtime exports" in line


@needs_rustc
def test_build_failure_shows_the_compilers_first_lines(tmp_path: Path) -> None:
    project = _copy_project(tmp_path, "fee-rule-rs")
    (project / "src" / "lib.rs").write_text("pub fn broken( {\n")
    line = one_line_error(govchain("contract", "build", project, check=False))
    assert "rustc (fee_rule_rs) failed (exit 1): error" in line


def test_build_names_make_install_when_node_is_missing(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    project = tmp_path / "c"
    shutil.copytree(EXAMPLES / "fee-rule-as", project)
    line = one_line_error(govchain("contract", "build", project, check=False, env=env))
    assert "run make install" in line
