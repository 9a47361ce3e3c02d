"""Issue 21: a node process freezes what it holds once built and spaces young collections out."""

from __future__ import annotations

import json
import subprocess
import sys

from govchain.node.gc_tuning import YOUNG_THRESHOLD

_PROBE = """
import gc, json
before = gc.get_threshold()
from govchain.node.gc_tuning import tune_gc
tune_gc()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_tune_gc_freezes_the_live_objects_and_raises_only_the_young_threshold() -> None:
    # in a child: the test process's own collector stays as pytest set it
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(out.stdout)
    assert seen["after"][0] == YOUNG_THRESHOLD > seen["before"][0]
    assert seen["after"][1:] == seen["before"][1:]
    assert seen["frozen"] > 1000  # the modules and everything they hold
