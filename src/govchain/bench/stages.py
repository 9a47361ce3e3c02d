"""Where a validator's CPU goes: sampled stacks sorted into the stages of a tx's life.

``govchain bench profile`` samples one validator with py-spy (collapsed
stacks, one line per distinct stack: ``frame;frame;...;frame COUNT``, root
first, each frame ``function (file:line)``; with ``--native`` the C frames
too, among them the compiled hot paths as ``CPyDef_<module>___<function>``).
This module is the pure part: it drops the samples of threads that were
waiting rather than running (judged by their innermost Python frame),
and gives each remaining sample one stage by the first rule of
:data:`RULES` that one of its frames matches. Rules go from the specific
to the general, so a signature checked while a vote is admitted counts as
consensus, and one checked anywhere else as a tx signature.

Stages that a block costs once, whatever it holds, are marked
``per_block``: the report divides them by blocks as well as by txs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

__all__ = [
    "DISK_WAIT_LEAVES",
    "EXECUTION_PREFIX",
    "IDLE_LEAVES",
    "RULES",
    "UNSAMPLED",
    "StageCounts",
    "StageRule",
    "count_stages",
    "parse_collapsed",
    "stage_of",
]

_LINE = re.compile(r":\d+\)$")


@dataclass(frozen=True)
class StageRule:
    """A stage, the frames that mark it (any of), and the frames it needs around them (any of)."""

    stage: str
    marks: tuple[str, ...]
    within: tuple[str, ...] = ()
    per_block: bool = False


IDLE_LEAVES: tuple[str, ...] = (
    "_worker (concurrent/futures/thread.py",  # a pool thread waiting for work
    "select (selectors.py",  # the event loop waiting for sockets or timers
    "wait (threading.py",
    "get (queue.py",
    "_wait_for_tstate_lock (threading.py",
    "sleep (",
)
"""Leaf frames of a thread that waits. py-spy's own idle test misses some of them here, so
they are dropped by name; the CPU each thread really used scales the rest."""

DISK_WAIT_LEAVES: tuple[str, ...] = (
    "_sync (govchain/consensus/wal.py",
    "_fsync_dir (govchain/consensus/wal.py",
    "_LmdbWrite.commit (govchain/storage/lmdb_store.py",
)
"""Leaf frames of a thread waiting for the disk (an fsync, an LMDB commit): wall time, counted
apart from the CPU split."""

_SIGNATURE = ("verify_digest (", ".verify (govchain/crypto", "batch_verify (", "run_batch (")
_DECODE = (
    "govchain/codec/decode.py",
    "CPyDef_decode___",
    "from_cbor (",
    "decode_tx (",
    "parse_tx_batch (",
)
_API = ("govchain/api/", "starlette/", "fastapi/", "uvicorn/", "h11/", "httptools", "anyio/")
_INTAKE = ("submit_txs (govchain/", "submit_tx (govchain/")
_GOSSIP = ("_drain_gossip (", "admit_gossiped (", "govchain/node/tx_batcher.py")
_EXECUTE = "execute_txs (govchain/execution/apply.py"

EXECUTION_PREFIX = "execution: "
"""Stages of a tx type's own handler are named by this and the handler's service package."""

RULES: tuple[StageRule, ...] = (
    StageRule(
        "consensus: votes, proposals, commits checked",
        ("vote_problem (", "proposal_problem (", "verify_commit (", "govchain/consensus/evidence"),
        per_block=True,
    ),
    StageRule(
        "consensus: messages signed", ("sign_digest (", ".sign (govchain/crypto"), per_block=True
    ),
    StageRule("WAL", ("govchain/consensus/wal.py",), per_block=True),
    StageRule("tx signatures", _SIGNATURE),
    StageRule(
        "storage commit", ("ChainStore.commit_block (", "_LmdbWrite.commit ("), per_block=True
    ),
    StageRule(
        "state tree: update", ("apply_batch (govchain/ledger/statetree", "_tree___apply_batch")
    ),
    StageRule(
        "state tree: reads",
        ("govchain/ledger/statetree", "govchain/storage/", "CPyDef_tree___", "CPyDef_nodes___"),
        (_EXECUTE,),
    ),
    StageRule("execution: permission checks", ("permission.py", "permissions.py"), (_EXECUTE,)),
    # an execution stage per service comes here (stage_of): the handler's package names it
    StageRule("execution: framework", (_EXECUTE,)),
    StageRule("receipts", ("encode_receipt (", "root_of_encoded (")),
    StageRule("proposal building", ("build_block (", "LedgerApp.propose (", "reap (")),
    StageRule("validation: header and tx checks", ("apply_block (", "LedgerApp.validate (")),
    StageRule("commit: block and indexes", ("LedgerApp.commit (", "LedgerApp.decided (")),
    StageRule("gossip: decode", _DECODE, _GOSSIP),
    StageRule("gossip: admission", ("govchain/mempool/",), _GOSSIP),
    # a validator that lags gets each decided block whole from the peers that left its height
    # (docs/spec/consensus.md): the sampled one lags most, py-spy pauses it at every sample
    StageRule(
        "peers: decided blocks received whole (a lagging validator's)",
        ("Block.from_cbor (", "read_message (govchain/consensus/wire.py"),
        ("Dispatcher.dispatch (",),
    ),
    StageRule("peers: send and receive (txs, blocks, votes)", (*_GOSSIP, "govchain/network/")),
    StageRule("intake: decode", _DECODE, (*_INTAKE, "Mempool.screen (")),
    StageRule("intake: admission", ("govchain/mempool/",)),
    StageRule("intake: submit routes", _API, _INTAKE),
    # the HTTP server's own work (parsing, middlewares, writing answers and event streams)
    # names no route: for a submit it is here too
    StageRule("API: HTTP server, middlewares, other routes", _API),
    StageRule("consensus: other", ("govchain/consensus/",), per_block=True),
    StageRule("block sync", ("block_sync.py",)),
    StageRule(
        "worker threads: hand-offs to the event loop",
        ("call_soon_threadsafe (", "_read_from_self (", "govchain/node/worker_pool.py"),
    ),
    StageRule("network I/O (sockets, TLS)", ("sslproto.py", "ssl.py", "selector_events.py")),
)

_PER_BLOCK = frozenset(rule.stage for rule in RULES if rule.per_block)
_EXECUTION_FALLBACK = RULES.index(next(r for r in RULES if r.stage == "execution: framework"))
OTHER = "other (event loop, logging, metrics)"
_SERVICE = re.compile(r"govchain/contracts/([a-z_]+)/")


def parse_collapsed(lines: Iterable[str]) -> Iterator[tuple[list[str], int]]:
    """Each line's frames (root first, line numbers kept) and sample count; bad lines skipped."""
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        yield stack.split(";"), int(count)


def _python_leaf(frames: Sequence[str]) -> str:
    """The innermost Python frame: with ``--native`` C frames (libc, OpenSSL) follow it."""
    for frame in reversed(frames):
        if ".py:" in frame or ".py)" in frame:
            return _LINE.sub(")", frame)
    return frames[-1] if frames else ""


WAITING_NATIVE: tuple[str, ...] = ("pthread_cond_timedwait (", "pthread_cond_wait (")
"""Native frames of a thread asleep on a condition: in CPython mostly a thread taking the GIL
back after a C call or a syscall let it go (cffi, ssl, socket). With two or more threads
busy, a quarter of the samples py-spy counts as running are these; they use no CPU."""


def _is_idle(frames: Sequence[str]) -> bool:
    leaf = _python_leaf(frames)
    if any(mark in leaf for mark in IDLE_LEAVES):
        return True
    return any(frame.startswith(WAITING_NATIVE) for frame in frames)


def _matches(rule: StageRule, frames: Sequence[str]) -> bool:
    if rule.within and not any(w in f for f in frames for w in rule.within):
        return False
    return any(m in f for f in frames for m in rule.marks)


def _service_below(frames: Sequence[str]) -> str | None:
    """The service package of the first handler frame under the block's tx loop."""
    try:
        start = next(i for i, f in enumerate(frames) if _EXECUTE in f)
    except StopIteration:
        return None
    for frame in frames[start + 1 :]:
        found = _SERVICE.search(frame)
        if found is not None:
            return found.group(1)
    return None


def stage_of(frames: Sequence[str]) -> str:
    """The stage of one sampled stack (root first)."""
    for index, rule in enumerate(RULES):
        if index == _EXECUTION_FALLBACK:
            service = _service_below(frames)
            if service is not None:
                return EXECUTION_PREFIX + service
        if _matches(rule, frames):
            return rule.stage
    return OTHER


@dataclass(frozen=True)
class StageCounts:
    """Samples per thread and stage, samples of threads waiting on the disk, and idle samples.

    Threads are keyed by the native id py-spy prints (``thread (TID): name``),
    so each thread's samples can be scaled by the CPU the kernel says it used.
    """

    samples: dict[int, Counter[str]]
    disk_wait: Counter[str]
    idle: int

    @property
    def busy(self) -> int:
        """Samples of running threads."""
        return sum(sum(c.values()) for c in self.samples.values())

    def cpu_by_stage(self, thread_cpu_s: dict[int, float]) -> dict[str, float]:
        """CPU seconds per stage: each thread's CPU split by the shares of its samples.

        A thread with CPU but no busy sample counts as ``UNSAMPLED``. Largest first.
        """
        cpu: dict[str, float] = {}
        for tid, used in thread_cpu_s.items():
            counts = self.samples.get(tid)
            total = sum(counts.values()) if counts else 0
            if not counts or total == 0:
                if used > 0:
                    cpu[UNSAMPLED] = cpu.get(UNSAMPLED, 0.0) + used
                continue
            for stage, count in counts.items():
                cpu[stage] = cpu.get(stage, 0.0) + used * count / total
        return dict(sorted(cpu.items(), key=lambda item: (-item[1], item[0])))

    @staticmethod
    def per_block(stage: str) -> bool:
        """Whether a block costs ``stage`` once, whatever it holds."""
        return stage in _PER_BLOCK


UNSAMPLED = "threads py-spy did not sample"
_THREAD = re.compile(r"thread \((?:0x)?([0-9a-fA-F]+)\)")


def _thread_id(frame: str) -> int:
    found = _THREAD.match(frame)
    if found is None:
        return 0
    text = found.group(1)
    return int(text, 16) if frame.startswith("thread (0x") else int(text)


def count_stages(lines: Iterable[str]) -> StageCounts:
    """Stage counts of a py-spy ``--format raw --threads`` output (lines without a thread: 0)."""
    samples: dict[int, Counter[str]] = {}
    disk_wait: Counter[str] = Counter()
    idle = 0
    for stack, count in parse_collapsed(lines):
        tid = 0
        frames = stack
        if stack and stack[0].startswith(("thread (", "process ")):
            tid = _thread_id(stack[0])
            frames = stack[1:]
        if not frames:
            continue
        if _is_idle(frames):
            idle += count
        elif any(mark in _python_leaf(frames) for mark in DISK_WAIT_LEAVES):
            disk_wait[stage_of(frames)] += count
        else:
            samples.setdefault(tid, Counter())[stage_of(frames)] += count
    return StageCounts(samples, disk_wait, idle)
