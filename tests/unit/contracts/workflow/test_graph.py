"""The process graph of ``workflow.process_publish`` and its checks (F-D4)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.contracts.workflow.graph import (
    StepDef,
    ancestors,
    check_graph,
    ready_after,
    steps_from_args,
    topological_order,
)
from govchain.types.errors import ValidationError

LICENCE = "11100000MB0143028R001"
SEAL = "91110000DEM0900131001"
SOCIAL = "91110000DEM090021U001"
APPLICATION = "91110000DEM090048K001"  # stands for a material of the application


def step(
    step_id: str,
    after: tuple[str, ...] = (),
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
    *,
    matter: str = "370102-DEMO-000105001000",
    minutes: int = 480,
) -> StepDef:
    return StepDef(step_id, matter, after, inputs, outputs, minutes)


def args(*steps: StepDef) -> list[dict[str, object]]:
    return [s.to_cbor() for s in steps]


def refusal(steps: tuple[StepDef, ...], materials: frozenset[str] = frozenset()) -> str:
    with pytest.raises(ValidationError) as caught:
        check_graph(steps, materials)
    return str(caught.value)


SETUP = (
    step("licence", inputs=(APPLICATION,), outputs=(LICENCE,)),
    step("seal", ("licence",), (LICENCE,), (SEAL,)),
    step("social", ("licence",), (LICENCE,), (SOCIAL,)),
    step("archive", ("seal", "social"), (LICENCE, SEAL, SOCIAL)),
)


def test_f_d4_a_serial_then_parallel_process_is_accepted_in_kahn_order() -> None:
    assert check_graph(SETUP, frozenset({APPLICATION})) == ("licence", "seal", "social", "archive")


def test_f_d4_the_order_takes_the_smallest_ready_id_first() -> None:
    steps = (step("z"), step("b", ("z",)), step("a"), step("c", ("a",)))
    assert topological_order(steps) == ("a", "c", "z", "b")


def test_f_d4_steps_round_trip_through_their_map() -> None:
    assert steps_from_args(args(*SETUP)) == SETUP


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Licence"}, "step 'Licence': id: expected 1..32 characters"),
        ({"id": "x" * 33}, f"step {'x' * 33!r}: id: expected 1..32 characters"),
        ({"matter": "a b"}, "step s: matter: expected a matter code"),
        ({"matter": "m" * 65}, "step s: matter: expected a matter code"),
        ({"after": ["Bad-Id"]}, "step s: after: 'Bad-Id' is not a step id"),
        ({"after": ["a", "a"]}, "step s: after: an entry is listed twice"),
        ({"after": [f"s{i}" for i in range(17)]}, "step s: after: 17 entries is over the limit"),
        ({"inputs": ["11100000MB0143028R00X"]}, "step s: inputs: the last 3 characters"),
        ({"outputs": [LICENCE, LICENCE]}, "step s: outputs: an entry is listed twice"),
        ({"outputs": "x"}, "step s: outputs: expected an array"),
        ({"time_limit_minutes": 0}, "step s: time_limit_minutes: expected 1..525600, got 0"),
        (
            {"time_limit_minutes": 525601},
            "step s: time_limit_minutes: expected 1..525600, got 525601",
        ),
        ({"time_limit_minutes": True}, "step s: time_limit_minutes: expected an integer"),
    ],
)
def test_f_d4_a_bad_step_field_is_refused_naming_the_step_and_field(
    changes: dict[str, object], message: str
) -> None:
    raw = {**step("s").to_cbor(), **changes}
    with pytest.raises(ValidationError) as caught:
        steps_from_args([raw])
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "steps: a process has at least one step"),
        ([step(f"s{i}").to_cbor() for i in range(33)], "steps: 33 entries is over the limit"),
        ("steps", "steps: expected an array"),
        ([7], "steps[0]: expected a map"),
        ([{"id": "a"}], "steps[0]: wrong fields"),
        ([step("a").to_cbor(), step("a").to_cbor()], "step a: id: two steps have this id"),
    ],
)
def test_f_d4_a_bad_steps_argument_is_refused(obj: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        steps_from_args(obj)
    assert str(caught.value).startswith(message)


def test_f_d4_an_after_naming_no_step_is_refused() -> None:
    message = refusal((step("a"), step("b", ("a", "ghost"))))
    assert message == "step b: after names 'ghost', which is no step of the process"


def test_f_d4_a_process_without_a_start_step_is_refused() -> None:
    assert refusal((step("a", ("b",)), step("b", ("a",)))) == (
        "no start step: every step waits for another"
    )


def test_f_d4_a_cycle_is_refused_naming_its_steps_in_order() -> None:
    steps = (
        step("start"),
        step("c", ("start", "b")),
        step("a", ("c",)),
        step("b", ("a",)),
        step("after_cycle", ("b",)),
    )
    assert refusal(steps) == "a cycle: a -> b -> c -> a"


def test_f_d4_a_step_waiting_for_itself_is_a_cycle() -> None:
    assert refusal((step("a"), step("b", ("b", "a")))) == "a cycle: b -> b"


def test_f_d4_an_output_made_by_two_steps_is_refused_naming_both() -> None:
    steps = (step("licence", outputs=(LICENCE,)), step("copy", ("licence",), outputs=(LICENCE,)))
    assert refusal(steps) == f"output {LICENCE} is produced by two steps: copy and licence"


def test_f_d4_an_input_not_available_upstream_is_refused_naming_step_and_type() -> None:
    steps = (
        step("licence", outputs=(LICENCE,)),
        step("seal", ("licence",), outputs=(SEAL,)),
        step("social", ("licence",), (LICENCE, SEAL)),  # seal runs beside it, not before
    )
    assert refusal(steps) == (
        f"step social: input {SEAL} is neither a material of the process "
        "nor an output of a step it waits for"
    )


def test_f_d4_an_input_may_be_a_material_or_an_indirect_ancestors_output() -> None:
    steps = (
        step("licence", outputs=(LICENCE,)),
        step("seal", ("licence",), (APPLICATION,)),
        step("last", ("seal",), (LICENCE,)),
    )
    assert check_graph(steps, frozenset({APPLICATION})) == ("licence", "seal", "last")
    assert "step seal: input" in refusal(steps)


def test_f_d4_ancestors_are_every_step_waited_for_sorted() -> None:
    assert ancestors(SETUP, "archive") == ("licence", "seal", "social")
    assert ancestors(SETUP, "seal") == ("licence",)
    assert ancestors(SETUP, "licence") == ()
    with pytest.raises(ValidationError, match="no step of the process has this id"):
        ancestors(SETUP, "ghost")


def test_f_d5_ready_after_gives_the_steps_whose_waits_are_done() -> None:
    assert ready_after(SETUP, frozenset()) == ("licence",)
    assert ready_after(SETUP, frozenset({"licence"})) == ("seal", "social")
    assert ready_after(SETUP, frozenset({"licence", "social"})) == ("seal",)
    assert ready_after(SETUP, frozenset({"licence", "seal", "social"})) == ("archive",)
    assert ready_after(SETUP, frozenset({"licence", "seal", "social", "archive"})) == ()


@st.composite
def random_dags(draw: st.DrawFn) -> tuple[StepDef, ...]:
    """Steps s0..sN where each waits only for steps of a smaller index, shuffled."""
    count = draw(st.integers(min_value=1, max_value=12))
    steps = []
    for i in range(count):
        earlier = [f"s{j:02d}" for j in range(i)]
        after = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=4)) if i else []
        steps.append(step(f"s{i:02d}", tuple(after)))
    return tuple(draw(st.permutations(steps)))


@settings(max_examples=200, deadline=None)
@given(random_dags())
def test_f_d4_random_dags_are_accepted_and_the_order_respects_every_edge(
    steps: tuple[StepDef, ...],
) -> None:
    order = check_graph(steps, frozenset())
    assert sorted(order) == sorted(s.id for s in steps)
    position = {step_id: i for i, step_id in enumerate(order)}
    for s in steps:
        for before in s.after:
            assert position[before] < position[s.id]
    assert order == check_graph(tuple(reversed(steps)), frozenset())


@settings(max_examples=200, deadline=None)
@given(random_dags(), st.data())
def test_f_d4_random_graphs_with_a_cycle_are_refused(
    steps: tuple[StepDef, ...], data: st.DataObject
) -> None:
    by_id = {s.id: s for s in steps}
    ids = sorted(by_id)
    # a chain of waits from one step to a later one, closed by a wait back (or a self-loop)
    low = data.draw(st.integers(min_value=0, max_value=len(ids) - 1))
    high = data.draw(st.integers(min_value=low, max_value=len(ids) - 1))
    chain = ids[low : high + 1]

    def wait(step_id: str, before: str) -> None:
        found = by_id[step_id]
        by_id[step_id] = replace(found, after=tuple(sorted({*found.after, before})))

    for before, current in pairwise(chain):
        wait(current, before)
    wait(chain[0], chain[-1])
    cyclic = tuple(by_id[s.id] for s in steps)
    with pytest.raises(ValidationError, match=r"^(a cycle: |no start step)") as caught:
        check_graph(cyclic, frozenset())
    message = str(caught.value)
    if message.startswith("a cycle: "):
        named = message[len("a cycle: ") :].split(" -> ")
        assert named[0] == named[-1]
        for before, current in pairwise(named):
            assert before in by_id[current].after
