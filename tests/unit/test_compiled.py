"""Compiled hot paths (issue 21, item 3; N-1): mypyc builds of the codec and the state tree give
the very bytes pure Python gives, and pure Python takes over when a build is stale.

`make install` compiles govchain.compiled.COMPILED (scripts/build_compiled.py). Each check
runs in a fresh interpreter, since a process loads a module one way only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from govchain.compiled import COMPILED, PURE_ENV

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

# Encodings of a seeded corpus of nested values, decoded back, and the state roots and nodes of
# seeded batches: one SHA-256 over all of it, printed with the modules the process compiled.
CORPUS = r"""
import hashlib, json, random, sys
from govchain.codec import decode, encode
from govchain.compiled import compiled_modules
from govchain.ledger.statetree import MemoryNodeStore, apply_batch, get_value

rng = random.Random(21)
def value(depth):
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0: return rng.randrange(-2**64, 2**64)
    if kind == 1: return rng.randbytes(rng.randrange(40))
    if kind == 2: return "".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(12)))
    if kind == 3: return rng.choice([True, False, None])
    if kind == 4: return [value(depth + 1) for _ in range(rng.randrange(5))]
    return {str(rng.randrange(1000)): value(depth + 1) for _ in range(rng.randrange(5))}
out = hashlib.sha256()
for _ in range(3000):
    raw = encode(value(0))
    out.update(raw)
    assert encode(decode(raw)) == raw
for hash_name in ("sm3", "sha256"):
    store = MemoryNodeStore()
    store.commit(apply_batch(store, hash_name, 0, {}))
    for version in range(1, 25):
        keys = [rng.randbytes(rng.randrange(1, 40)) for _ in range(rng.randrange(1, 60))]
        writes = {k: (None if rng.randrange(5) == 0 else rng.randbytes(30)) for k in keys}
        update = apply_batch(store, hash_name, version, writes)
        out.update(update.root.to_bytes())
        for key, node in sorted(update.new_nodes.items()):
            out.update(key + node)
        store.commit(update)
        out.update(repr([get_value(store, hash_name, version, k) for k in keys]).encode())
print(json.dumps({"digest": out.hexdigest(), "compiled": compiled_modules()}))
"""


def _run(code: str, *, pure: bool, path: Path = SRC) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != PURE_ENV}
    if pure:
        env[PURE_ENV] = "1"
    env["PYTHONPATH"] = str(path)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _corpus(*, pure: bool) -> dict[str, object]:
    done = _run(CORPUS, pure=pure)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_make_install_compiled_every_hot_path() -> None:
    compiled = _corpus(pure=False)["compiled"]
    assert compiled == list(COMPILED), "run `make install`: it compiles them with mypyc"


def test_pure_python_and_the_compiled_modules_give_the_same_bytes() -> None:
    pure, compiled = _corpus(pure=True), _corpus(pure=False)
    assert pure["compiled"] == []
    assert compiled["compiled"] == list(COMPILED)
    assert pure["digest"] == compiled["digest"]


def test_the_vectors_pass_in_pure_python_too() -> None:
    """The suite runs the vectors against the compiled modules; here against the sources."""
    vectors = [
        "tests/unit/codec/test_roundtrip.py",
        "tests/unit/codec/test_hashing.py",
        "tests/unit/ledger/test_record_vectors.py",
        "tests/unit/ledger/test_merkle_vectors.py",
        "tests/unit/ledger/test_statetree_reference.py",
    ]
    env = {**os.environ, PURE_ENV: "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *vectors],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout


def test_a_source_changed_after_its_build_runs_as_pure_python(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    package = copy / "govchain"
    shutil.copytree(SRC / "govchain" / "codec", package / "codec")
    shutil.copytree(SRC / "govchain" / "ledger" / "statetree", package / "ledger" / "statetree")
    for name in ("__init__.py", "compiled.py", "compiled.json"):
        shutil.copy2(SRC / "govchain" / name, package / name)
    for shared in SRC.glob("*__mypyc*"):
        shutil.copy2(shared, copy / shared.name)
    probe = "import govchain.codec; from govchain.compiled import compiled_modules as c; print(c())"
    fresh = _run(probe, pure=False, path=copy)
    assert fresh.returncode == 0, fresh.stderr
    assert "govchain.codec.encode" in fresh.stdout
    limits = package / "codec" / "limits.py"
    limits.write_text(limits.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    stale = _run(probe, pure=False, path=copy)
    assert stale.returncode == 0, stale.stderr
    assert stale.stdout.strip() == "[]"
    assert "govchain.codec.limits changed since it was compiled" in stale.stderr
    assert stale.stderr.count("\n") == 1


@pytest.mark.parametrize("name", COMPILED)
def test_each_compiled_module_is_a_pure_layer_module(name: str) -> None:
    """Only mypy-strict modules of the pure layers are compiled (pyproject's strict list)."""
    assert name.startswith(("govchain.codec.", "govchain.ledger.statetree."))
    assert (SRC.joinpath(*name.split(".")).with_suffix(".py")).exists()
