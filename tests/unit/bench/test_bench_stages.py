"""The stage classifier of `govchain bench profile` (issue 21, item 1; N-1).

Stacks are written as py-spy prints them (`--format raw --threads`): root first,
`function (file:line)`, the sample count last.
"""

from __future__ import annotations

from collections import Counter

import pytest

from govchain.bench.stages import UNSAMPLED, count_stages, parse_collapsed, stage_of

LOOP = "_run_once (asyncio/base_events.py:1922);_run (asyncio/events.py:80)"
VALIDATE = (
    "_perform (govchain/consensus/driver.py:290);validate (govchain/node/ledger_app.py:80);"
    "apply_block (govchain/execution/apply.py:244)"
)
EXECUTE = VALIDATE + ";execute_txs (govchain/execution/apply.py:180)"


def frames(text: str) -> list[str]:
    return text.split(";")


@pytest.mark.parametrize(
    ("stack", "stage"),
    [
        (
            LOOP + ";Core._on_vote (govchain/consensus/core.py:200);vote_problem "
            "(govchain/consensus/admission.py:40);"
            "Sm2PublicKey.verify_digest (govchain/crypto/sm2.py:90)",
            "consensus: votes, proposals, commits checked",
        ),
        (
            "_timed (govchain/node/worker_pool.py:90);CryptoSuite.batch_verify "
            "(govchain/crypto/suite.py:70);Sm2PublicKey.verify_digest (govchain/crypto/sm2.py:90)",
            "tx signatures",
        ),
        (
            EXECUTE + ";_run_tx (govchain/execution/apply.py:215);notary_handler.<locals>.handle "
            "(govchain/contracts/notary/handlers.py:40);get_value "
            "(govchain/ledger/statetree/tree.py:177)",
            "state tree: reads",
        ),
        (
            EXECUTE + ";_run_tx (govchain/execution/apply.py:215);grant_handler "
            "(govchain/contracts/grants/handlers.py:40);_encode_map (govchain/codec/encode.py:150)",
            "execution: grants",
        ),
        (EXECUTE + ";_run_tx (govchain/execution/apply.py:217)", "execution: framework"),
        (
            VALIDATE + ";apply_batch (govchain/ledger/statetree/tree.py:318);digest "
            "(govchain/codec/hashing.py:38)",
            "state tree: update",
        ),
        (
            LOOP + ";submit_txs (govchain/api/routes/txs.py:172);ChainNodeService.submit_txs "
            "(govchain/node/service.py:160);Mempool.admit (govchain/mempool/pool.py:200)",
            "intake: admission",
        ),
        (
            LOOP + ";ChainNodeService._drain_gossip (govchain/node/service.py:185);Mempool.admit "
            "(govchain/mempool/pool.py:200)",
            "gossip: admission",
        ),
        (
            LOOP + ";AccessLogMiddleware.__call__ (govchain/api/access_log.py:90);block_routes."
            "<locals>.block (govchain/api/routes/blocks.py:60)",
            "API: HTTP server, middlewares, other routes",
        ),
        (
            LOOP + ";PeerConnection._read_loop (govchain/network/connection.py:160);Dispatcher."
            "dispatch (govchain/network/dispatch.py:104);build_message (govchain/consensus/wire.py:"
            "108);Block.from_cbor (govchain/types/block.py:90);Tx.from_cbor "
            "(govchain/types/tx.py:85)",
            "peers: decided blocks received whole (a lagging validator's)",
        ),
        (
            LOOP + ";PeerConnection._read_loop (govchain/network/connection.py:160);Dispatcher."
            "dispatch (govchain/network/dispatch.py:90);decode_envelope (govchain/network/"
            "envelope.py:200)",
            "peers: send and receive (txs, blocks, votes)",
        ),
        (LOOP + ";Wal.append (govchain/consensus/wal.py:132)", "WAL"),
        (LOOP, "other (event loop, logging, metrics)"),
    ],
)
def test_each_stack_gets_the_stage_of_its_first_matching_rule(stack: str, stage: str) -> None:
    assert stage_of(frames(stack)) == stage


def test_waiting_threads_and_disk_waits_are_counted_apart_from_cpu() -> None:
    lines = [
        "thread (11): MainThread;" + LOOP + ";EpollSelector.select (selectors.py:468) 40\n",
        "thread (12): verify_0;Thread.run (threading.py:975);_worker "
        "(concurrent/futures/thread.py:81) 30\n",
        "thread (11): MainThread;" + LOOP + ";Wal.append (govchain/consensus/wal.py:136);_sync "
        "(govchain/consensus/wal.py:406) 5\n",
        "thread (11): MainThread;" + LOOP + ";Wal.append (govchain/consensus/wal.py:132) 3\n",
        "thread (12): verify_0;_timed (govchain/node/worker_pool.py:90);run_batch "
        "(govchain/crypto/batch.py:50);Sm2PublicKey.verify_digest (govchain/crypto/sm2.py:90) 9\n",
        "not a line\n",
    ]
    counts = count_stages(lines)
    assert counts.idle == 70
    assert counts.disk_wait == Counter({"WAL": 5})
    assert counts.samples == {11: Counter({"WAL": 3}), 12: Counter({"tx signatures": 9})}
    assert counts.busy == 12


def test_each_thread_cpu_is_split_by_its_own_samples() -> None:
    lines = [
        "thread (11): MainThread;" + LOOP + ";Wal.append (govchain/consensus/wal.py:132) 1\n",
        "thread (11): MainThread;" + LOOP + " 3\n",
        "thread (12): verify_0;run_batch (govchain/crypto/batch.py:50) 1\n",
    ]
    cpu = count_stages(lines).cpu_by_stage({11: 2.0, 12: 4.0, 13: 0.5, 14: 0.0})
    assert cpu == Counter(
        {
            "WAL": 0.5,
            "other (event loop, logging, metrics)": 1.5,
            "tx signatures": 4.0,
            UNSAMPLED: 0.5,
        }
    )


def test_hex_thread_ids_are_read_as_hex() -> None:
    counts = count_stages(["thread (0x1f): MainThread;" + LOOP + " 2\n"])
    assert list(counts.samples) == [31]


def test_parse_skips_lines_without_a_count() -> None:
    assert list(parse_collapsed(["a;b 3\n", "garbage\n", "c x\n"])) == [(["a", "b"], 3)]


def test_native_frames_of_compiled_modules_and_c_libraries_are_read() -> None:
    """With py-spy's --native: mypyc functions are C frames, and a waiting thread's innermost
    frames are libc's, so idleness is judged by the innermost Python frame."""
    native = "__native_6b42.c:26312"
    update = VALIDATE + f";CPyDef_tree___apply_batch ({native});CPyDef_encode___encode ({native})"
    assert stage_of(frames(update)) == "state tree: update"
    lines = [
        "thread (5): verify_0;Thread.run (threading.py:975);_worker "
        "(concurrent/futures/thread.py:81);PyThread_acquire_lock_timed (python3.11);"
        "__futex_abstimed_wait_common (libc.so.6) 7\n",
        "thread (6): MainThread;" + LOOP + ";Wal.append (govchain/consensus/wal.py:136);_sync "
        "(govchain/consensus/wal.py:406);fsync (libc.so.6) 2\n",
        "thread (5): verify_0;run_batch (govchain/crypto/batch.py:50);Sm2PublicKey.verify_digest "
        "(govchain/crypto/sm2.py:90);EVP_DigestVerify (libcrypto.so.3) 4\n",
    ]
    counts = count_stages(lines)
    assert counts.idle == 7
    assert counts.disk_wait == Counter({"WAL": 2})
    assert counts.samples == {5: Counter({"tx signatures": 4})}


def test_a_thread_taking_the_gil_back_is_waiting_not_working() -> None:
    """After a C call or a syscall that let the GIL go, a thread sleeps on the GIL's condition
    (pthread_cond_timedwait): no CPU, so no stage gets those samples."""
    lines = [
        "thread (5): verify_0;run_batch (govchain/crypto/batch.py:50);Sm2PublicKey.verify_digest "
        "(govchain/crypto/sm2.py:90);pthread_cond_timedwait (libc.so.6);0x7f31086a3f16 "
        "(libc.so.6) 3\n",
        "thread (6): MainThread;" + LOOP + ";PeerConnection._write_loop "
        "(govchain/network/connection.py:172);sock_send (socketmodule.c);pthread_cond_timedwait "
        "(libc.so.6) 2\n",
        "thread (5): verify_0;run_batch (govchain/crypto/batch.py:50);Sm2PublicKey.verify_digest "
        "(govchain/crypto/sm2.py:90);EVP_DigestVerify (libcrypto.so.3) 4\n",
    ]
    counts = count_stages(lines)
    assert counts.idle == 5
    assert counts.samples == {5: Counter({"tx signatures": 4})}
