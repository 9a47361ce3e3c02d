"""``govchain bench crypto``: signature, hash and cipher rates of both suites.

Every rate is measured for a fixed wall-clock budget, and the SM2 verify rate
is set against ``openssl speed sm2`` run on the same machine in the same
invocation, so the ratio says how close our binding comes to the library.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from govchain.crypto.batch import run_batch, worker_count
from govchain.crypto.suite import CryptoSuite
from govchain.crypto.suites import suite_for

__all__ = ["TARGETS", "openssl_sm2_verify_rate", "run_crypto_bench"]

TARGETS = {"sm2_verify_ratio_to_openssl": 0.85, "batch_verify_speedup_2_cores": 1.7}
_MESSAGE = bytes(range(256)) * 1  # a tx-sized message
_BATCH = 256
_BULK = 1 << 20


def _rate(operation: Callable[[], int], seconds: float) -> float:
    """Operations per second: call ``operation`` (it reports how many it did) until time is up."""
    done, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        done += operation()
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def _signature_rates(suite: CryptoSuite, seconds: float) -> dict[str, float]:
    key = suite.generate_key()
    signature = key.sign(_MESSAGE)
    items = [(key.public_key, _MESSAGE, signature)] * _BATCH
    workers = worker_count()

    def sign_batch() -> int:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: key.sign(_MESSAGE), range(_BATCH)))
        return _BATCH

    def verify_batch() -> int:
        assert all(run_batch(suite.verify, items))
        return _BATCH

    single_verify = _rate(lambda: int(suite.verify(key.public_key, _MESSAGE, signature)), seconds)
    batch_verify = _rate(verify_batch, seconds)
    return {
        "sign_per_s": round(_rate(lambda: len(key.sign(_MESSAGE)) > 0, seconds), 1),
        "verify_per_s": round(single_verify, 1),
        "batch_sign_per_s": round(_rate(sign_batch, seconds), 1),
        "batch_verify_per_s": round(batch_verify, 1),
        "batch_verify_speedup": round(batch_verify / single_verify, 3),
    }


def _throughput(operation: Callable[[], object], seconds: float) -> float:
    """MB/s of an operation over a 1 MiB buffer."""
    calls = _rate(lambda: operation() is not None, seconds)
    return round(calls * _BULK / 1e6, 1)


def _suite_figures(name: str, seconds: float) -> dict[str, Any]:
    suite = suite_for(name)
    bulk = os.urandom(_BULK)
    key = suite.new_aead_key()
    hash_name = "sm3" if name == "gm" else "sha256"
    aead_name = "sm4_gcm" if name == "gm" else "aes_256_gcm"
    figures: dict[str, Any] = {"signature": suite.signature_algorithm}
    figures.update(_signature_rates(suite, seconds))
    figures[f"{hash_name}_mb_per_s"] = _throughput(lambda: suite.hash(bulk), seconds)
    figures[f"{aead_name}_mb_per_s"] = _throughput(lambda: suite.seal(key, bulk), seconds)
    return figures


def openssl_sm2_verify_rate(seconds: int = 2) -> float | None:
    """Verifications per second from ``openssl speed -seconds N sm2`` (one thread)."""
    tool = shutil.which("openssl")
    if tool is None:
        return None
    result = subprocess.run(
        [tool, "speed", "-seconds", str(seconds), "sm2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    for line in result.stdout.splitlines():
        if "SM2" in line:
            numbers = re.findall(r"\d+(?:\.\d+)?", line.split(")")[-1])
            if len(numbers) >= 4:
                return float(numbers[-1])
    return None


def run_crypto_bench(
    seconds: float = 1.0, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Measure everything; returns the JSON-ready figures."""
    report = progress or (lambda _step: None)
    result: dict[str, Any] = {
        "machine": {
            "cores": worker_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "seconds_per_figure": seconds,
    }
    for name in ("gm", "intl"):
        report(f"{name} suite")
        result[name] = _suite_figures(name, seconds)
    report("openssl speed sm2")
    openssl_rate = openssl_sm2_verify_rate()
    result["openssl_sm2_verify_per_s"] = openssl_rate
    result["sm2_verify_ratio_to_openssl"] = (
        round(result["gm"]["verify_per_s"] / openssl_rate, 3) if openssl_rate else None
    )
    result["targets"] = TARGETS
    return result
