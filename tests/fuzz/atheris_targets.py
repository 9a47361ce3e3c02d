"""Coverage-guided fuzzing of the same targets with atheris (libFuzzer); pytest never collects it.

atheris is not a dev dependency: install it by hand (``.venv/bin/pip install atheris``),
then run one target from the repository root, seeded with a scratch copy of its
corpus (libFuzzer adds every new input it finds to the directory it is given)::

    cp -r tests/fuzz/corpus/consensus_message /tmp/consensus_message
    .venv/bin/python -m tests.fuzz.atheris_targets consensus_message \\
        -max_total_time=300 /tmp/consensus_message

Any exception other than the target's typed errors stops the run and leaves
the input in a ``crash-*`` file; save it under ``corpus/<target>/`` once fixed.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["govchain"]):
    from tests.fuzz.targets import TARGETS


def main() -> None:
    """Fuzz the target named by the first argument; the rest go to libFuzzer."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(
            f"usage: atheris_targets TARGET [libFuzzer options] [corpus dir]; {sorted(TARGETS)}"
        )
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
