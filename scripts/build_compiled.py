"""Compile govchain.compiled.COMPILED with mypyc, beside their sources, and write the manifest.

Run by `make install` (docs/performance.md, "Compiled hot paths"). The manifest records the
SHA-256 of each source as it was compiled; govchain.compiled loads pure Python instead when a
source no longer matches. Old builds (extension modules and mypyc's shared library) are
removed first, so a module taken off the list is never left compiled.
"""

from __future__ import annotations

import glob
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def main() -> int:
    os.environ["GOVCHAIN_PURE_PYTHON"] = "1"  # the list is read from source, never a build
    sys.path.insert(0, str(SRC))
    from govchain.compiled import COMPILED, MANIFEST, source_digests  # noqa: PLC0415 (after the path)

    for name in COMPILED:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            SRC.joinpath(*name.split(".")).with_suffix(suffix).unlink(missing_ok=True)
    for old in glob.glob(str(SRC / "*__mypyc*")):
        Path(old).unlink()
    MANIFEST.unlink(missing_ok=True)
    digests = source_digests()
    files = [str(Path(*name.split(".")).with_suffix(".py")) for name in COMPILED]
    with tempfile.TemporaryDirectory(prefix="govchain-mypyc-") as scratch:
        env = {**os.environ, "MYPYC_OPT_LEVEL": "3"}
        config = Path(scratch, "mypy.ini")  # the project's mypy settings are for `make check`
        config.write_text("[mypy]\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", "--config-file", str(config), *files],
            cwd=SRC,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        shutil.rmtree(SRC / "build", ignore_errors=True)
        shutil.rmtree(SRC / ".mypy_cache", ignore_errors=True)
        if done.returncode != 0:
            Path(scratch, "mypyc.log").write_text(done.stdout + done.stderr, encoding="utf-8")
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            print(f"error: mypyc could not compile the hot paths:\n{tail}", file=sys.stderr)
            return 1
    MANIFEST.write_text(json.dumps({"modules": digests}, indent=1, sort_keys=True) + "\n")
    print(f"compiled with mypyc: {len(COMPILED)} modules ({', '.join(COMPILED)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
