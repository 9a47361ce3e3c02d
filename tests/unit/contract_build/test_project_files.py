"""What `contract build` accepts: the language detected, asconfig.json, Cargo.toml (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govchain.contract_build import BadProjectError, detect_language
from govchain.contract_build.assemblyscript import check_config
from govchain.contract_build.rust import load_crate

GOOD_AS = {"entries": ["a.ts"], "options": {"runtime": "stub"}, "targets": {"release": {}}}


def test_detects_each_language_and_refuses_both_or_neither(tmp_path: Path) -> None:
    with pytest.raises(BadProjectError, match="is not a contract"):
        detect_language(tmp_path)
    (tmp_path / "asconfig.json").write_text("{}")
    assert detect_language(tmp_path) == "assemblyscript"
    (tmp_path / "Cargo.toml").write_text("")
    with pytest.raises(BadProjectError, match="has both"):
        detect_language(tmp_path)
    (tmp_path / "asconfig.json").unlink()
    assert detect_language(tmp_path) == "rust"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"entries": ["a.ts", "b.ts"]}, "entries must name one file"),
        ({"options": {"runtime": "incremental"}}, 'set "runtime": "stub"'),
        ({"options": {"runtime": "stub", "debug": True}}, "debug would add debug information"),
        ({"targets": {"release": {"sourceMap": True}}}, "sourceMap would add a source map"),
        ({"targets": {"release": {"enable": ["simd"]}}}, "enable would add features"),
        ({"targets": []}, "must be objects"),
    ],
)
def test_asconfig_options_that_change_the_module_are_refused(
    change: dict[str, object], reason: str
) -> None:
    with pytest.raises(BadProjectError, match=reason):
        check_config({**GOOD_AS, **change}, "asconfig.json")
    check_config(GOOD_AS, "asconfig.json")


def _crate(directory: Path, manifest: str) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "src" / "lib.rs").write_text("")
    (directory / "Cargo.toml").write_text(manifest)
    return directory


def test_cargo_path_dependencies_are_loaded_in_order(tmp_path: Path) -> None:
    _crate(tmp_path / "sdk", '[package]\nname = "my-sdk"\nedition = "2021"\n')
    app = _crate(
        tmp_path / "app",
        '[package]\nname = "app"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n'
        '[dependencies]\nmy-sdk = { path = "../sdk" }\n',
    )
    crate = load_crate(app)
    assert crate.cdylib
    assert crate.crate_name == "app"
    assert [d.crate_name for d in crate.dependencies] == ["my_sdk"]
    assert crate.dependencies[0].directory == (tmp_path / "sdk").resolve()


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ('[package]\nname = "a"\n[dependencies]\nserde = "1"\n', "not a path dependency"),
        (
            '[package]\nname = "a"\n[dependencies]\nx = { path = "..", version = "1" }\n',
            "not a path",
        ),
        ('[package]\nedition = "2021"\n', "has no name"),
        ('[package]\nname = "a"\nedition = "2024"\n', "edition 2024 is not one of"),
        ('[package]\nname = "a"\n[lib]\npath = "../outside.rs"\n', "is not a file in the crate"),
        ("[package\n", "is not TOML"),
    ],
)
def test_cargo_manifests_outside_the_rules_are_refused(
    tmp_path: Path, manifest: str, reason: str
) -> None:
    with pytest.raises(BadProjectError, match=reason):
        load_crate(_crate(tmp_path / "c", manifest))


def test_a_dependency_cycle_or_depth_is_bounded(tmp_path: Path) -> None:
    for index in range(7):
        _crate(
            tmp_path / f"c{index}",
            f'[package]\nname = "c{index}"\n'
            f'[dependencies]\nnext = {{ path = "../c{index + 1}" }}\n',
        )
    _crate(tmp_path / "c7", '[package]\nname = "c7"\n')
    with pytest.raises(BadProjectError, match="nest deeper"):
        load_crate(tmp_path / "c0")
