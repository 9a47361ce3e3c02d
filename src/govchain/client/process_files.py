"""Process files: what ``govchain process publish FILE.toml|FILE.bpmn`` reads
(docs/spec/workflow.md, "Process files").

A TOML process file has the top-level ``code`` and ``name`` and one
``[steps.ID]`` table per step::

    code = "enterprise-setup"
    name = "企业开办"

    [steps.licence]
    matter = "370102-DEMO-000105001000"
    outputs = ["11100000MB0143028R001"]   # optional lists: after, inputs, outputs
    time_limit_minutes = 8

    [steps.seal]
    matter = "370102-DEMO-000123002000"
    after = ["licence"]
    inputs = ["11100000MB0143028R001"]
    outputs = ["91110000DEM0900131001"]
    time_limit_minutes = 8

A BPMN 2.0 file may use only ``startEvent`` (one), ``endEvent``, ``task``,
``userTask``, ``serviceTask``, ``sequenceFlow`` and ``parallelGateway``
(fork and join), plus ``documentation`` and the diagram section. A task is
a step: its id, lower-cased, is the step id; the attributes (or
``extensionElements`` children) of the namespace :data:`GOVCHAIN_NS` give
``matter`` (else the task's name, if it is a matter code), ``inputs`` and
``outputs`` (type codes separated by spaces) and ``timeLimitMinutes``. A
step's ``after`` are the tasks reached walking its incoming flow back
through parallel gateways. The process's ``govchain:code`` (else its id)
and ``name`` give the process code and name.

Both loaders give the args map of ``workflow.process_publish``, the steps
in their topological order (smallest ready id first) with ``after``
sorted, so one process gives the same args from either file. Every error
is a ValidationError naming the file and the place.
"""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.parsers import expat

from govchain.contracts.workflow.graph import (
    CODE_PATTERN,
    STEP_ID_PATTERN,
    steps_from_args,
    topological_order,
)
from govchain.types.errors import ValidationError

__all__ = [
    "BPMN_NS",
    "GOVCHAIN_NS",
    "MAX_PROCESS_FILE_BYTES",
    "SUPPORTED_ELEMENTS",
    "load_process_bpmn",
    "load_process_file",
    "load_process_toml",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
GOVCHAIN_NS = "https://govchain.example/bpmn"
MAX_PROCESS_FILE_BYTES = 1024 * 1024
MAX_FLOW_ELEMENTS = 512
MAX_NAME_CHARS = 64
TASKS = ("task", "userTask", "serviceTask")
SUPPORTED_ELEMENTS = ("startEvent", "endEvent", *TASKS, "sequenceFlow", "parallelGateway")
STEP_KEYS = ("matter", "after", "inputs", "outputs", "time_limit_minutes")
TASK_PROPERTIES = ("matter", "inputs", "outputs", "timeLimitMinutes")
_NODE_CHILDREN = ("incoming", "outgoing", "documentation")


def load_process_file(path: Path) -> dict[str, object]:
    """A ``.bpmn`` or ``.xml`` file as BPMN, anything else as TOML."""
    if path.suffix.lower() in (".bpmn", ".xml"):
        return load_process_bpmn(path)
    return load_process_toml(path)


def load_process_toml(path: Path) -> dict[str, object]:
    """Read a TOML process file and give the args of ``workflow.process_publish``."""
    text = _read(path).decode("utf-8", errors="strict")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not TOML: {exc}") from None
    try:
        return _toml_args(document)
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None


def load_process_bpmn(path: Path) -> dict[str, object]:
    """Read a BPMN 2.0 file (the subset above) and give the args of ``workflow.process_publish``."""
    raw = _read(path)
    try:
        return _bpmn_args(_parse_xml(raw))
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PROCESS_FILE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_PROCESS_FILE_BYTES:
        raise ValidationError(f"{path}: larger than {MAX_PROCESS_FILE_BYTES} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{path}: not UTF-8 text") from None
    return raw


def _process_args(code: object, name: object, raw_steps: list[dict[str, Any]]) -> dict[str, object]:
    """The checked args: steps in topological order, each ``after`` sorted."""
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise ValidationError("code: expected 1..64 characters of 0-9A-Za-z-_.")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
        raise ValidationError(f"name: expected text of 1..{MAX_NAME_CHARS} characters")
    for raw in raw_steps:
        if isinstance(raw.get("after"), list) and all(isinstance(a, str) for a in raw["after"]):
            raw["after"] = sorted(raw["after"])
    steps = steps_from_args(raw_steps)
    by_id = {step.id: step for step in steps}
    order = topological_order(steps)
    return {"code": code, "name": name, "steps": [by_id[i].to_cbor() for i in order]}


def _toml_args(document: dict[str, Any]) -> dict[str, object]:
    for key in document:
        if key not in ("code", "name", "steps"):
            raise ValidationError(f"{key}: unknown key (allowed: code, name, steps)")
    for key in ("code", "name", "steps"):
        if key not in document:
            raise ValidationError(f"{key}: missing (required)")
    tables = document["steps"]
    if not isinstance(tables, dict) or not tables:
        raise ValidationError("steps: expected one [steps.ID] table per step")
    raw_steps = []
    for step_id, table in tables.items():
        where = f"steps.{step_id}"
        if not isinstance(table, dict):
            raise ValidationError(f"{where}: expected a table")
        for key in table:
            if key not in STEP_KEYS:
                raise ValidationError(
                    f"{where}.{key}: unknown key (allowed: {', '.join(STEP_KEYS)})"
                )
        for key in ("matter", "time_limit_minutes"):
            if key not in table:
                raise ValidationError(f"{where}.{key}: missing (required)")
        raw_steps.append(
            {
                "id": step_id,
                "matter": table["matter"],
                "after": table.get("after", []),
                "inputs": table.get("inputs", []),
                "outputs": table.get("outputs", []),
                "time_limit_minutes": table["time_limit_minutes"],
            }
        )
    return _process_args(document["code"], document["name"], raw_steps)


class _DeclarationError(Exception):
    """Raised from the expat handlers: a DOCTYPE or entity declaration."""


def _parse_xml(raw: bytes) -> ET.Element:
    """The document's root; a DOCTYPE (and with it any entity) is refused before parsing."""
    checker = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _DeclarationError

    checker.StartDoctypeDeclHandler = refuse
    checker.EntityDeclHandler = refuse
    try:
        checker.Parse(raw, True)
    except _DeclarationError:
        raise ValidationError("a DOCTYPE or entity declaration is refused") from None
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code)
        raise ValidationError(f"not XML: {message} (line {exc.lineno})") from None
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ValidationError(f"not XML: {exc}") from None


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _unsupported(element: ET.Element, inside: str = "") -> ValidationError:
    _, local = _split(element.tag)
    named = f"{local} {element.get('id')!r}" if element.get("id") else local
    where = f" in {inside}" if inside else ""
    return ValidationError(
        f"{named}{where}: not supported (a process file uses only {', '.join(SUPPORTED_ELEMENTS)})"
    )


def _bpmn_args(root: ET.Element) -> dict[str, object]:
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise ValidationError("expected a BPMN 2.0 <definitions> element")
    processes = []
    for child in root:
        namespace, local = _split(child.tag)
        if namespace == BPMNDI_NS or (namespace == BPMN_NS and local == "documentation"):
            continue
        if namespace != BPMN_NS or local != "process":
            raise _unsupported(child)
        processes.append(child)
    if len(processes) != 1:
        raise ValidationError(f"expected one <process>, found {len(processes)}")
    process = processes[0]
    for attribute in process.attrib:
        namespace, local = _split(attribute)
        if namespace == GOVCHAIN_NS and local != "code":
            raise ValidationError(f"process: unknown attribute govchain:{local}")
    code = process.get(f"{{{GOVCHAIN_NS}}}code", process.get("id"))
    kinds, flows = _flow_elements(process)
    incoming = _check_flows(kinds, flows)
    raw_steps = []
    for node_id, (kind, element) in kinds.items():
        if kind in TASKS:
            after = _waits_for(node_id, incoming, kinds, {}, ())
            raw_steps.append(_task_step(element, sorted(after)))
    return _process_args(code, process.get("name"), raw_steps)


def _flow_elements(
    process: ET.Element,
) -> tuple[dict[str, tuple[str, ET.Element]], list[tuple[str, str, str]]]:
    """The flow nodes by id (in document order) and the flows (id, source, target)."""
    kinds: dict[str, tuple[str, ET.Element]] = {}
    flows: list[tuple[str, str, str]] = []
    if len(process) > MAX_FLOW_ELEMENTS:
        raise ValidationError(f"process: more than {MAX_FLOW_ELEMENTS} elements")
    for element in process:
        namespace, local = _split(element.tag)
        if namespace == BPMN_NS and local == "documentation":
            continue
        if namespace != BPMN_NS or local not in SUPPORTED_ELEMENTS:
            raise _unsupported(element)
        element_id = element.get("id")
        if not element_id:
            raise ValidationError(f"{local}: has no id")
        if element_id in kinds or any(flow[0] == element_id for flow in flows):
            raise ValidationError(f"{local} {element_id!r}: two elements have this id")
        if local == "sequenceFlow":
            _check_children(element, ("documentation",))
            flows.append((element_id, element.get("sourceRef", ""), element.get("targetRef", "")))
        else:
            allowed = (*_NODE_CHILDREN, "extensionElements") if local in TASKS else _NODE_CHILDREN
            _check_children(element, allowed)
            kinds[element_id] = (local, element)
    return kinds, flows


def _check_children(element: ET.Element, allowed: tuple[str, ...]) -> None:
    _, parent = _split(element.tag)
    for child in element:
        namespace, local = _split(child.tag)
        if namespace != BPMN_NS or local not in allowed:
            raise _unsupported(child, f"{parent} {element.get('id')!r}")


def _check_flows(
    kinds: dict[str, tuple[str, ET.Element]], flows: list[tuple[str, str, str]]
) -> dict[str, list[str]]:
    """Each node's sources, after checking every flow's ends and every node's degree."""
    incoming: dict[str, list[str]] = {node_id: [] for node_id in kinds}
    outgoing: dict[str, int] = dict.fromkeys(kinds, 0)
    for flow_id, source, target in flows:
        for end, ref in (("sourceRef", source), ("targetRef", target)):
            if ref not in kinds:
                raise ValidationError(
                    f"sequenceFlow {flow_id!r}: {end} {ref!r} names no element of the process"
                )
        incoming[target].append(source)
        outgoing[source] += 1
    starts = [node_id for node_id, (kind, _) in kinds.items() if kind == "startEvent"]
    if len(starts) != 1:
        raise ValidationError(f"expected one startEvent, found {len(starts)}")
    if not any(kind in TASKS for kind, _ in kinds.values()):
        raise ValidationError("the process has no task")
    for node_id, (kind, _) in kinds.items():
        ins, outs = len(incoming[node_id]), outgoing[node_id]
        named = f"{kind} {node_id!r}"
        if kind == "startEvent" and (ins or not outs):
            raise ValidationError(f"{named}: expected no incoming and some outgoing flow")
        if kind == "endEvent" and (outs or not ins):
            raise ValidationError(f"{named}: expected some incoming and no outgoing flow")
        if kind in TASKS and ins > 1:
            raise ValidationError(
                f"{named}: {ins} incoming flows (join them with a parallelGateway)"
            )
        if kind not in ("startEvent", "endEvent") and not (ins and outs):
            raise ValidationError(f"{named}: expected incoming and outgoing flows")
    return incoming


def _waits_for(
    node_id: str,
    incoming: dict[str, list[str]],
    kinds: dict[str, tuple[str, ET.Element]],
    known: dict[str, frozenset[str]],
    path: tuple[str, ...],
) -> frozenset[str]:
    """The tasks a node waits for: its sources, walked back through parallel gateways."""
    found: set[str] = set()
    for source in incoming[node_id]:
        kind = kinds[source][0]
        if kind in TASKS:
            found.add(source.lower())
        elif kind == "parallelGateway":
            if source in path:
                raise ValidationError(f"parallelGateway {source!r}: on a loop of gateways")
            if source not in known:
                known[source] = _waits_for(source, incoming, kinds, known, (*path, source))
            found |= known[source]
    return frozenset(found)


def _task_step(task: ET.Element, after: list[str]) -> dict[str, Any]:
    _, kind = _split(task.tag)
    task_id = task.get("id", "")
    named = f"{kind} {task_id!r}"
    step_id = task_id.lower()
    if not STEP_ID_PATTERN.match(step_id):
        raise ValidationError(
            f"{named}: its id lower-cased, {step_id!r}, is not a step id (1..32 of a-z, 0-9, _)"
        )
    found = _task_properties(task, named)
    matter = found.get("matter", task.get("name", ""))
    if not CODE_PATTERN.match(matter):
        raise ValidationError(
            f"{named}: no matter code: set govchain:matter, or name the task by its matter code"
        )
    minutes = found.get("timeLimitMinutes")
    if minutes is None:
        raise ValidationError(f"{named}: govchain:timeLimitMinutes missing (required)")
    if not minutes.isascii() or not minutes.isdigit() or len(minutes) > 7:
        raise ValidationError(f"{named}: govchain:timeLimitMinutes: expected a whole number")
    return {
        "id": step_id,
        "matter": matter,
        "after": after,
        "inputs": found.get("inputs", "").split(),
        "outputs": found.get("outputs", "").split(),
        "time_limit_minutes": int(minutes),
    }


def _task_properties(task: ET.Element, named: str) -> dict[str, str]:
    """The task's govchain: properties, from its attributes or its extensionElements."""
    found: dict[str, str] = {}
    for attribute, value in task.attrib.items():
        namespace, local = _split(attribute)
        if namespace != GOVCHAIN_NS:
            continue
        if local not in TASK_PROPERTIES:
            raise ValidationError(f"{named}: unknown attribute govchain:{local}")
        found[local] = value.strip()
    for extensions in task.iterfind(f"{{{BPMN_NS}}}extensionElements"):
        for child in extensions:
            namespace, local = _split(child.tag)
            if namespace != GOVCHAIN_NS or local not in TASK_PROPERTIES or len(child):
                raise _unsupported(child, f"extensionElements of {named}")
            if local in found:
                raise ValidationError(f"{named}: govchain:{local} is given twice")
            found[local] = (child.text or "").strip()
    return found
