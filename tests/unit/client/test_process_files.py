"""Process files, TOML and the BPMN 2.0 subset, and the shipped examples (F-D4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govchain.client.process_files import (
    load_process_bpmn,
    load_process_file,
    load_process_toml,
)
from govchain.contracts.workflow.graph import check_graph, steps_from_args
from govchain.types.errors import ValidationError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "processes"
TYPES = Path(__file__).resolve().parents[3] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"
SEAL = "91110000DEM0900131001"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:govchain="https://govchain.example/bpmn" id="d" targetNamespace="t">'
)


def bpmn(tmp_path: Path, body: str, *, outside: str = "") -> Path:
    path = tmp_path / "p.bpmn"
    text = f'{HEAD}<bpmn:process id="p" name="测试流程">{body}</bpmn:process>{outside}'
    path.write_text(text + "</bpmn:definitions>", encoding="utf-8")
    return path


def task(task_id: str, extra: str = "", *, inner: str = "", tag: str = "task") -> str:
    return (
        f'<bpmn:{tag} id="{task_id}" name="办理" govchain:matter="M-{task_id}" '
        f'govchain:timeLimitMinutes="8" {extra}>{inner}</bpmn:{tag}>'
    )


def flow(flow_id: str, source: str, target: str, inner: str = "") -> str:
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f"{inner}</bpmn:sequenceFlow>"
    )


SERIAL = (
    '<bpmn:startEvent id="s"/>'
    + task("a")
    + '<bpmn:endEvent id="e"/>'
    + flow("f1", "s", "a")
    + flow("f2", "a", "e")
)


def refusal(path: Path) -> str:
    with pytest.raises(ValidationError) as caught:
        load_process_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


def test_f_d4_the_two_examples_give_the_same_args() -> None:
    from_toml = load_process_toml(EXAMPLES / "enterprise-setup.toml")
    from_bpmn = load_process_bpmn(EXAMPLES / "enterprise-setup.bpmn")
    assert from_toml == from_bpmn
    assert from_toml["code"] == "enterprise-setup"
    assert from_toml["name"] == "企业开办"


def test_f_d4_the_examples_pass_check_graph_licence_first_then_six_in_parallel() -> None:
    for name in ("enterprise-setup.toml", "enterprise-setup.bpmn"):
        args = load_process_file(EXAMPLES / name)
        steps = steps_from_args(args["steps"])
        order = check_graph(steps, frozenset())
        assert order[0] == "licence"
        assert sorted(order[1:]) == ["bank", "housing", "medical", "seal", "social", "tax"]
        by_id = {step.id: step for step in steps}
        assert by_id["licence"].after == ()
        assert by_id["licence"].outputs == (LICENCE,)
        for step_id in order[1:]:
            assert by_id[step_id].after == ("licence",)
            assert by_id[step_id].inputs == (LICENCE,)


def test_f_d4_every_example_output_is_a_shipped_asset_type() -> None:
    shipped = set()
    for type_file in TYPES.glob("*.toml"):
        line = next(x for x in type_file.read_text("utf-8").splitlines() if x.startswith("code"))
        shipped.add(line.split('"')[1])
    args = load_process_toml(EXAMPLES / "enterprise-setup.toml")
    outputs = [out for step in args["steps"] for out in step["outputs"]]  # type: ignore[attr-defined]
    assert sorted(outputs) == sorted(shipped)


def test_f_d4_toml_steps_come_out_in_topological_order_with_after_sorted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'code = "c"\nname = "n"\n'
        '[steps.z]\nmatter = "M"\nafter = ["b", "a"]\ntime_limit_minutes = 1\n'
        '[steps.b]\nmatter = "M"\ntime_limit_minutes = 1\n'
        '[steps.a]\nmatter = "M"\ntime_limit_minutes = 1\n',
        encoding="utf-8",
    )
    args = load_process_toml(path)
    assert [s["id"] for s in args["steps"]] == ["a", "b", "z"]  # type: ignore[attr-defined]
    assert args["steps"][2]["after"] == ["a", "b"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('code = "c"\nname = "n"\nowner = "x"\n', "owner: unknown key"),
        ('name = "n"\n[steps.a]\nmatter = "M"\ntime_limit_minutes = 1\n', "code: missing"),
        ('code = "c d"\nname = "n"\n[steps.a]\nmatter = "M"\ntime_limit_minutes = 1\n', "code:"),
        ('code = "c"\nname = ""\n[steps.a]\nmatter = "M"\ntime_limit_minutes = 1\n', "name:"),
        ('code = "c"\nname = "n"\nsteps = 3\n', "steps: expected one [steps.ID] table"),
        ('code = "c"\nname = "n"\n[steps.a]\ntime_limit_minutes = 1\n', "steps.a.matter: missing"),
        (
            'code = "c"\nname = "n"\n[steps.a]\nmatter = "M"\ntime_limit_minutes = 1\nlimit = 2\n',
            "steps.a.limit: unknown key",
        ),
        ('code = "c"\nname = "n"\n[steps.A]\nmatter = "M"\ntime_limit_minutes = 1\n', "step 'A'"),
        (
            'code = "c"\nname = "n"\n[steps.a]\nmatter = "M"\ntime_limit_minutes = 1\n'
            '[steps.b]\nmatter = "M"\nafter = ["c"]\ntime_limit_minutes = 1\n'
            '[steps.c]\nmatter = "M"\nafter = ["b"]\ntime_limit_minutes = 1\n',
            "a cycle: b -> c -> b",
        ),
        ("code = = 1\n", "not TOML"),
    ],
)
def test_f_d4_a_bad_toml_file_is_refused_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    assert message in refusal(path)


def test_f_d4_a_serial_bpmn_process_gives_one_start_step(tmp_path: Path) -> None:
    args = load_process_bpmn(bpmn(tmp_path, SERIAL))
    assert args == {
        "code": "p",
        "name": "测试流程",
        "steps": [
            {
                "id": "a",
                "matter": "M-a",
                "after": [],
                "inputs": [],
                "outputs": [],
                "time_limit_minutes": 8,
            }
        ],
    }


def test_f_d4_after_is_computed_through_nested_parallel_gateways(tmp_path: Path) -> None:
    body = (
        '<bpmn:startEvent id="s"/>'
        + task("A", tag="userTask")
        + '<bpmn:parallelGateway id="g1"/><bpmn:parallelGateway id="g2"/>'
        + task("b", tag="serviceTask")
        + task("c")
        + task("d")
        + '<bpmn:parallelGateway id="j1"/><bpmn:parallelGateway id="j2"/>'
        + task("z")
        + '<bpmn:endEvent id="e"/>'
        + flow("f1", "s", "A")
        + flow("f2", "A", "g1")
        + flow("f3", "g1", "b")
        + flow("f4", "g1", "g2")
        + flow("f5", "g2", "c")
        + flow("f6", "g2", "d")
        + flow("f7", "c", "j1")
        + flow("f8", "d", "j1")
        + flow("f9", "j1", "j2")
        + flow("f10", "b", "j2")
        + flow("f11", "j2", "z")
        + flow("f12", "z", "e")
    )
    args = load_process_bpmn(bpmn(tmp_path, body))
    after = {s["id"]: s["after"] for s in args["steps"]}  # type: ignore[attr-defined]
    assert after == {"a": [], "b": ["a"], "c": ["a"], "d": ["a"], "z": ["b", "c", "d"]}
    assert [s["id"] for s in args["steps"]] == ["a", "b", "c", "d", "z"]  # type: ignore[attr-defined]


def test_f_d4_task_properties_may_come_from_extension_elements_or_the_name(
    tmp_path: Path,
) -> None:
    inner = (
        "<bpmn:extensionElements><govchain:matter>M-x</govchain:matter>"
        f"<govchain:outputs>{LICENCE} {SEAL}</govchain:outputs>"
        "<govchain:timeLimitMinutes>12</govchain:timeLimitMinutes></bpmn:extensionElements>"
    )
    body = (
        '<bpmn:startEvent id="s"/>'
        f'<bpmn:task id="x" name="ignored name">{inner}</bpmn:task>'
        '<bpmn:task id="y" name="370102-DEMO-1" govchain:timeLimitMinutes="3" '
        f'govchain:inputs="{SEAL}"/>'
        '<bpmn:endEvent id="e"/>'
        + flow("f1", "s", "x")
        + flow("f2", "x", "y")
        + flow("f3", "y", "e")
    )
    steps = load_process_bpmn(bpmn(tmp_path, body))["steps"]
    assert steps == [
        {
            "id": "x",
            "matter": "M-x",
            "after": [],
            "inputs": [],
            "outputs": [LICENCE, SEAL],
            "time_limit_minutes": 12,
        },
        {
            "id": "y",
            "matter": "370102-DEMO-1",
            "after": ["x"],
            "inputs": [SEAL],
            "outputs": [],
            "time_limit_minutes": 3,
        },
    ]


@pytest.mark.parametrize(
    ("body", "outside", "message"),
    [
        ('<bpmn:exclusiveGateway id="x1"/>', "", "exclusiveGateway 'x1': not supported"),
        ('<bpmn:inclusiveGateway id="x2"/>', "", "inclusiveGateway 'x2': not supported"),
        ('<bpmn:eventBasedGateway id="x3"/>', "", "eventBasedGateway 'x3': not supported"),
        ('<bpmn:subProcess id="sub"/>', "", "subProcess 'sub': not supported"),
        ('<bpmn:callActivity id="call"/>', "", "callActivity 'call': not supported"),
        ('<bpmn:scriptTask id="script"/>', "", "scriptTask 'script': not supported"),
        (
            '<bpmn:boundaryEvent id="b1" attachedToRef="a"/>',
            "",
            "boundaryEvent 'b1': not supported",
        ),
        (
            '<bpmn:intermediateCatchEvent id="wait"/>',
            "",
            "intermediateCatchEvent 'wait': not supported",
        ),
        ('<bpmn:laneSet id="lanes"/>', "", "laneSet 'lanes': not supported"),
        ('<bpmn:dataObject id="data"/>', "", "dataObject 'data': not supported"),
        ("", '<bpmn:collaboration id="pools"/>', "collaboration 'pools': not supported"),
        ("", '<bpmn:message id="msg"/>', "message 'msg': not supported"),
    ],
)
def test_f_d4_an_unsupported_bpmn_element_is_refused_by_name(
    tmp_path: Path, body: str, outside: str, message: str
) -> None:
    got = refusal(bpmn(tmp_path, SERIAL + body, outside=outside))
    assert got.startswith(message)
    assert "startEvent, endEvent, task, userTask, serviceTask" in got


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '<bpmn:startEvent id="s"><bpmn:timerEventDefinition id="t"/></bpmn:startEvent>'
            + task("a")
            + flow("f1", "s", "a"),
            "timerEventDefinition 't' in startEvent 's': not supported",
        ),
        (
            '<bpmn:startEvent id="s"/>'
            + task("a", inner="<bpmn:multiInstanceLoopCharacteristics/>")
            + flow("f1", "s", "a"),
            "multiInstanceLoopCharacteristics in task 'a': not supported",
        ),
        (
            '<bpmn:startEvent id="s"/>'
            + task("a")
            + '<bpmn:endEvent id="e"/>'
            + flow("f1", "s", "a")
            + flow("f2", "a", "e", "<bpmn:conditionExpression>x</bpmn:conditionExpression>"),
            "conditionExpression in sequenceFlow 'f2': not supported",
        ),
        (
            '<bpmn:startEvent id="s"/>'
            + task(
                "a",
                inner='<bpmn:extensionElements><other:x xmlns:other="urn:o"/>'
                "</bpmn:extensionElements>",
            )
            + '<bpmn:endEvent id="e"/>'
            + flow("f1", "s", "a")
            + flow("f2", "a", "e"),
            "x in extensionElements of task 'a': not supported",
        ),
    ],
)
def test_f_d4_an_unsupported_nested_element_is_refused_naming_where(
    tmp_path: Path, body: str, message: str
) -> None:
    assert refusal(bpmn(tmp_path, body)).startswith(message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            SERIAL + flow("f9", "a", "ghost"),
            "sequenceFlow 'f9': targetRef 'ghost' names no element of the process",
        ),
        (
            SERIAL + flow("f9", "nowhere", "e"),
            "sequenceFlow 'f9': sourceRef 'nowhere' names no element of the process",
        ),
        (SERIAL + '<bpmn:startEvent id="s2"/>', "expected one startEvent, found 2"),
        (SERIAL.replace('id="f1"', 'id="a"'), "sequenceFlow 'a': two elements have this id"),
        (
            SERIAL + task("b") + flow("f3", "s", "b") + flow("f4", "b", "a"),
            "task 'a': 2 incoming flows (join them with a parallelGateway)",
        ),
        (SERIAL + task("b") + flow("f3", "s", "b"), "task 'b': expected incoming and outgoing"),
        (
            SERIAL + task("b") + flow("f3", "e", "b") + flow("f4", "b", "e"),
            "endEvent 'e': expected some incoming and no outgoing",
        ),
        (
            SERIAL.replace('govchain:matter="M-a"', "").replace('name="办理"', 'name="营业执照"'),
            "task 'a': no matter code",
        ),
        (SERIAL.replace('govchain:timeLimitMinutes="8"', ""), "govchain:timeLimitMinutes missing"),
        (
            SERIAL.replace('govchain:timeLimitMinutes="8"', 'govchain:timeLimitMinutes="8.5"'),
            "govchain:timeLimitMinutes: expected a whole number",
        ),
        (
            SERIAL.replace('govchain:timeLimitMinutes="8"', 'govchain:timeLimitMinutes="600000"'),
            "step a: time_limit_minutes: expected 1..525600",
        ),
        (SERIAL.replace("<bpmn:task ", '<bpmn:task govchain:owner="x" '), "govchain:owner"),
        (SERIAL.replace('id="a"', 'id="a-1"').replace('"a"', '"a-1"'), "is not a step id"),
        (
            '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="g1"/>'
            '<bpmn:parallelGateway id="g2"/>'
            + task("a")
            + flow("f1", "s", "g1")
            + flow("f2", "g2", "g1")
            + flow("f3", "g1", "g2")
            + flow("f4", "g2", "a")
            + flow("f5", "a", "g1"),
            "on a loop of gateways",
        ),
        (
            '<bpmn:startEvent id="s"/>'
            + task("a")
            + task("b")
            + flow("f1", "s", "a")
            + flow("f2", "b", "a")
            + flow("f3", "a", "b"),
            "task 'a': 2 incoming flows",
        ),
    ],
)
def test_f_d4_a_bad_bpmn_graph_is_refused_naming_the_problem(
    tmp_path: Path, body: str, message: str
) -> None:
    assert message in refusal(bpmn(tmp_path, body))


def test_f_d4_a_cycle_of_tasks_in_bpmn_is_refused(tmp_path: Path) -> None:
    body = (
        '<bpmn:startEvent id="s"/>'
        + task("a")
        + '<bpmn:parallelGateway id="j"/>'
        + task("b")
        + task("c")
        + '<bpmn:endEvent id="e"/>'
        + flow("f1", "s", "a")
        + flow("f2", "a", "j")
        + flow("f3", "c", "j")
        + flow("f4", "j", "b")
        + flow("f5", "b", "c")
        + flow("f6", "c", "e")
    )
    assert refusal(bpmn(tmp_path, body)) == "a cycle: b -> c -> b"


def test_f_d4_a_doctype_and_its_entities_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.bpmn"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>',
        encoding="utf-8",
    )
    assert refusal(path) == "a DOCTYPE or entity declaration is refused"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<a><b></a>", "not XML: mismatched tag"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b'<x xmlns="urn:other"/>', "expected a BPMN 2.0 <definitions> element"),
    ],
)
def test_f_d4_a_file_that_is_not_bpmn_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "p.bpmn"
    path.write_bytes(content)
    assert refusal(path).startswith(message)


def test_f_d4_a_missing_file_is_refused_without_a_traceback(tmp_path: Path) -> None:
    assert refusal(tmp_path / "absent.toml").startswith("cannot read")
