"""The simulator's suite remembers signature checks and gives exactly the plain suite's answers."""

from __future__ import annotations

from govchain.crypto import suite_for
from govchain.sim.memo_suite import MemoVerifySuite


def test_the_memory_gives_the_plain_answers_and_checks_each_input_once() -> None:
    plain, memo = suite_for("intl"), MemoVerifySuite()
    key, other = plain.generate_key(), plain.generate_key()
    message = b"a vote's signing bytes"
    signature = key.sign(message)
    damaged = bytes([signature[0] ^ 1]) + signature[1:]
    inputs = [
        (key.public_key, message, signature),
        (key.public_key, message + b"!", signature),
        (key.public_key, message, damaged),
        (other.public_key, message, signature),
        (key.public_key, message, signature[:-1]),  # a wrong length
    ]
    for _ in range(3):  # asked again and again, as every validator asks
        assert [memo.verify(*args) for args in inputs] == [plain.verify(*args) for args in inputs]
    assert [plain.verify(*args) for args in inputs] == [True, False, False, False, False]
    assert memo.checked == len(inputs)
