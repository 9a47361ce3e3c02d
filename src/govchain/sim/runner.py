"""Runs of the simulator: one seed, many seeds, and the shrinking of a failure.

A run has two phases. In the fault phase the seed's plan partitions the
network, kills and restarts nodes and makes links lossy, while Byzantine
validators misbehave throughout. Then the network heals (every window ends,
every node is up, links only delay) and honest validators must commit new
heights within the liveness window. Safety invariants are checked all along
(``sim.invariants``); the first violation ends the run.
"""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice

from govchain.sim.byzantine import BEHAVIOURS, TWINS
from govchain.sim.cluster import Cluster, Roles
from govchain.sim.faults import BASELINE, CRASH, FaultWindow, make_plan, targeted_windows
from govchain.sim.invariants import (
    AGREEMENT,
    COMMIT_QUORUM,
    DOUBLE_SIGN,
    NOT_A_MEMBER,
    TIME,
    VALIDITY,
    Violation,
)
from govchain.sim.set_schedule import SetChangeOptions

SAFETY_KINDS = (AGREEMENT, VALIDITY, DOUBLE_SIGN, TIME, COMMIT_QUORUM, NOT_A_MEMBER)


@dataclass(frozen=True)
class SimConfig:
    """What every seed of a run shares."""

    validators: int = 4
    byzantine: int | None = None
    """Byzantine validators; None means the most the protocol tolerates, f."""
    mutant: str | None = None
    fault_phase_ms: int = 20_000
    liveness_window_ms: int = 90_000
    new_heights: int = 2
    build_delay_ms: tuple[int, int] = (100, 600)
    """How long a proposer waits for txs: sets the pace of blocks in virtual time."""
    max_steps: int = 2_000_000
    targeted: bool = True
    """Whether plans may hold a targeted ``split-lock`` window (``sim.targeted``)."""
    set_changes: bool = False
    """Change the validator set during the fault phase (sim.set_changes)."""
    spares: int = 2
    """With ``set_changes``: validator instances outside the genesis set, to add."""

    @property
    def faulty(self) -> int:
        """The number of Byzantine validators of each seed."""
        if self.byzantine is None:
            return (self.validators - 1) // 3
        return self.byzantine

    @property
    def set_change_options(self) -> SetChangeOptions | None:
        """What the cluster needs to change sets (None: the genesis set throughout)."""
        if not self.set_changes:
            return None
        return SetChangeOptions(self.spares, self.fault_phase_ms * 3 // 4)


@dataclass
class SeedResult:
    """The outcome of one seed."""

    seed: int
    plan: tuple[FaultWindow, ...]
    roles: Roles
    heights: int = 0
    violations: list[Violation] = field(default_factory=list)
    liveness_failure: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    steps: int = 0
    trace: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    """Node instance names by index (twins too), for describing faults."""
    set_change_lines: list[str] = field(default_factory=list)
    """The seed's schedule of validator-set changes, one line each."""

    def fault_lines(self) -> list[str]:
        """The plan, one line per fault window."""
        return [window.describe(self.names) for window in self.plan]

    @property
    def safety_violated(self) -> bool:
        """Whether an honest node broke agreement, validity, signing or time."""
        return any(v.kind in SAFETY_KINDS for v in self.violations)

    @property
    def failed(self) -> bool:
        """Any violation, a crash of the code, or no liveness."""
        return bool(self.violations) or self.liveness_failure is not None

    def failure_kind(self) -> str:
        """What failed, for comparing shrunk runs."""
        if self.violations:
            return self.violations[0].kind
        return "liveness" if self.liveness_failure else ""


def roles_for(seed: int, config: SimConfig) -> Roles:
    """The seed's Byzantine validators and their behaviours."""
    rng = random.Random(f"{seed}/roles")
    chosen = sorted(rng.sample(range(config.validators), config.faulty))
    roles = {}
    for i in chosen:  # each behaviour with even odds, so every pair of them meets often
        behaviours = tuple(b for b in BEHAVIOURS if rng.randrange(2))
        roles[i] = behaviours or (rng.choice(BEHAVIOURS),)
    return Roles(roles)


def instances(config: SimConfig, roles: Roles) -> int:
    """Node instances: the validators, one twin per Byzantine validator with ``twins``, and
    the spares of a run with set changes."""
    twins = sum(1 for b in roles.byzantine.values() if TWINS in b)
    return config.validators + twins + (config.spares if config.set_changes else 0)


def late_spares(rng: random.Random, config: SimConfig, roles: Roles) -> tuple[FaultWindow, ...]:
    """With set changes, each spare is down from the start until a seeded time with even
    odds (a crash window), so it syncs from genesis when it comes up, added or not."""
    if not config.set_changes:
        return ()
    first = instances(config, roles) - config.spares
    return tuple(
        FaultWindow(CRASH, 0, rng.randint(1000, config.fault_phase_ms // 2), node=first + j)
        for j in range(config.spares)
        if rng.randrange(2)
    )


def plan_for(seed: int, config: SimConfig, roles: Roles) -> tuple[FaultWindow, ...]:
    """The seed's fault plan: its random windows, the late starts of spares with set changes,
    and (from a stream of its own, so the random ones stay as they were) a targeted window
    with ``config.targeted``."""
    rng = random.Random(f"{seed}/plan")
    plan = (*make_plan(rng, instances(config, roles), config.fault_phase_ms),)
    plan += late_spares(rng, config, roles)
    if config.targeted:
        plan += targeted_windows(random.Random(f"{seed}/targeted"), config.fault_phase_ms)
    return tuple(sorted(plan, key=lambda w: (w.start_ms, w.end_ms, w.kind, w.node)))


def run_seed(
    seed: int,
    config: SimConfig,
    *,
    plan: tuple[FaultWindow, ...] | None = None,
    roles: Roles | None = None,
    trace: bool = False,
) -> SeedResult:
    """Run one seed (its own plan and roles unless given) and judge it."""
    roles = roles if roles is not None else roles_for(seed, config)
    if plan is None:
        plan = plan_for(seed, config, roles)
    cluster = Cluster(
        seed,
        config.validators,
        roles=roles,
        plan=plan,
        links=BASELINE,
        mutant=config.mutant,
        build_delay_ms=config.build_delay_ms,
        trace=trace,
        set_changes=config.set_change_options,
    )
    result = SeedResult(seed, plan, roles, names=cluster.names)
    if cluster.set_changes is not None:
        result.set_change_lines = [c.describe() for c in cluster.set_changes.schedule]
    cluster.start()
    steps = _run_while(cluster, config.max_steps, lambda: _before(cluster, config.fault_phase_ms))
    if not cluster.checker.violations:
        cluster.heal()
        honest = cluster.honest_nodes
        target = max(n.chain.height for n in honest) + config.new_heights
        deadline = cluster.now + config.liveness_window_ms

        def waiting() -> bool:
            return cluster.now <= deadline and any(n.chain.height < target for n in honest)

        steps += _run_while(cluster, config.max_steps - steps, waiting)
        behind = {n.name: n.chain.height for n in honest if n.chain.height < target}
        if behind and not cluster.checker.violations:
            result.liveness_failure = (
                f"{config.liveness_window_ms} ms after the network healed, honest nodes "
                f"{behind} had not reached height {target}"
            )
    result.violations = list(cluster.checker.violations)
    result.heights = min(n.chain.height for n in cluster.honest_nodes)
    result.counts = cluster.counts + cluster.network.counts + Counter(cluster.adversary.counts)
    if cluster.set_changes is not None:
        result.counts += cluster.set_changes.counts
    result.steps = steps
    if trace:
        height = result.violations[0].height if result.violations else result.heights + 1
        result.trace = cluster.trace.around(height, 120)
    return result


def _before(cluster: Cluster, time_ms: int) -> bool:
    due = cluster.network.next_time()
    return due is not None and due < time_ms


def _run_while(cluster: Cluster, budget: int, condition: Callable[[], bool]) -> int:
    steps = 0
    while steps < budget and not cluster.checker.violations and condition():
        if not cluster.step():
            break
        steps += 1
    return steps


def shrink(result: SeedResult, config: SimConfig) -> SeedResult:
    """The smallest plan and role set (by removing one part at a time) that fails the same way.

    Returns the shrunk run with its trace.
    """
    kind = result.failure_kind()
    plan, roles = list(result.plan), dict(result.roles.byzantine)

    def still_fails(p: list[FaultWindow], r: dict[int, tuple[str, ...]]) -> bool:
        again = run_seed(result.seed, config, plan=tuple(p), roles=Roles(r))
        return again.failure_kind() == kind

    changed = True
    while changed:
        changed = False
        for i in range(len(plan)):
            candidate = plan[:i] + plan[i + 1 :]
            if still_fails(candidate, roles):
                plan, changed = candidate, True
                break
        for node, behaviours in sorted(roles.items()):
            for behaviour in behaviours:
                fewer = {**roles, node: tuple(b for b in behaviours if b != behaviour)}
                if still_fails(plan, fewer):
                    roles, changed = fewer, True
                    break
    return run_seed(result.seed, config, plan=tuple(plan), roles=Roles(roles), trace=True)


@dataclass
class Summary:
    """The outcome of many seeds, in the CLI's JSON shape (``to_json``)."""

    config: SimConfig
    seeds_run: int = 0
    heights_committed: int = 0
    safety_violations: int = 0
    liveness_failures: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    failures: list[SeedResult] = field(default_factory=list)
    catches: int = 0
    """With a mutant: the seeds whose run broke a safety claim."""
    first_catch: SeedResult | None = None

    @property
    def mutant_caught(self) -> bool:
        """A mutant is caught when some seed broke safety."""
        return self.config.mutant is not None and self.catches > 0

    @property
    def seeds_per_catch(self) -> float | None:
        """Seeds run per seed that caught the mutant (None: not caught), two decimals."""
        if not self.mutant_caught:
            return None
        return round(self.seeds_run / self.catches, 2)

    @property
    def passed(self) -> bool:
        """Without a mutant: nothing failed. With one: it was caught."""
        if self.config.mutant is not None:
            return self.mutant_caught
        return self.safety_violations == 0 and self.liveness_failures == 0

    def add(self, result: SeedResult) -> None:
        """Count one seed's result."""
        self.seeds_run += 1
        self.heights_committed += result.heights
        self.faults.update(result.counts)
        if result.violations:
            self.safety_violations += 1
        elif result.liveness_failure:
            self.liveness_failures += 1
        if result.failed:
            self.failures.append(result)
        if self.config.mutant is not None and result.safety_violated:
            self.catches += 1
            if self.first_catch is None:
                self.first_catch = result

    def to_json(self) -> dict[str, object]:
        """The summary as ``govchain sim --json`` prints it."""
        return {
            "seeds_run": self.seeds_run,
            "validators": self.config.validators,
            "byzantine": self.config.faulty,
            "heights_committed": self.heights_committed,
            "safety_violations": self.safety_violations,
            "liveness_failures": self.liveness_failures,
            "faults_injected": {k: self.faults[k] for k in sorted(self.faults)},
            "set_changes": self.config.set_changes,
            "mutant": self.config.mutant,
            "mutant_caught": self.mutant_caught,
            "mutant_catches": self.catches,
            "seeds_per_catch": self.seeds_per_catch,
            "first_catch_seed": None if self.first_catch is None else self.first_catch.seed,
        }


def _run_one(args: tuple[int, SimConfig]) -> SeedResult:
    return run_seed(*args)


def run_seeds(
    seeds: Iterable[int],
    config: SimConfig,
    *,
    jobs: int = 1,
    on_result: Callable[[SeedResult], None] | None = None,
    until_caught: bool = False,
) -> Summary:
    """Run ``seeds`` (on ``jobs`` processes), in order.

    A mutant run goes through every seed, so that the summary measures how
    often the mutant is caught; with ``until_caught`` it stops at the first catch.
    """
    summary = Summary(config)
    for result in _results(list(seeds), config, jobs):
        summary.add(result)
        if on_result is not None:
            on_result(result)
        if until_caught and summary.mutant_caught:
            break
    return summary


def _results(seeds: list[int], config: SimConfig, jobs: int) -> Iterator[SeedResult]:
    """Results in seed order; with ``jobs`` > 1, a few seeds run ahead in worker processes."""
    if jobs <= 1 or len(seeds) < 2:
        for seed in seeds:
            yield run_seed(seed, config)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        waiting: deque[Future[SeedResult]] = deque()
        remaining = iter(seeds)
        for seed in islice(remaining, 2 * jobs):
            waiting.append(pool.submit(_run_one, (seed, config)))
        while waiting:
            result = waiting.popleft().result()
            following = next(remaining, None)
            if following is not None:
                waiting.append(pool.submit(_run_one, (following, config)))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def with_mutant(config: SimConfig, mutant: str | None) -> SimConfig:
    """The same config with ``mutant`` set."""
    return replace(config, mutant=mutant)
