"""Pages of cases (办件): the list from the index, and a case with its proven timeline.

A case's form and materials are never shown (they may hold personal data);
the page shows its process, applicant account, states, deadlines, overdue
flags, interventions and who did what when.
"""

from __future__ import annotations

from collections.abc import Sequence

from govchain.console.catalogue import text, value_text
from govchain.console.chain_reader import CaseView
from govchain.console.index_reader import PAGE_ROWS, CaseRow
from govchain.console.markup import Html, hex_text, layout, link, table, tag, utc_time
from govchain.console.pages_chain import check_box
from govchain.console.pages_signin import SIGNING_SCRIPT

__all__ = ["case_page", "cases_page"]


def _state(lang: str, state: str) -> Html:
    kind = {"completed": "ok", "done": "ok", "rejected": "bad", "returned": "warn"}
    return tag("span", value_text(lang, state), class_=f"badge {kind.get(state, 'wait')}")


def _count(value: int, warn: bool) -> Html:
    return tag("span", str(value), class_="badge warn" if warn and value else "count")


def cases_page(lang: str, cases: Sequence[CaseRow], page: int = 0) -> str:
    """Page ``page`` of the indexed cases, the latest opened first."""
    rows = [
        [
            link(f"/cases/{c.id}", hex_text(c.id, 12)),
            f"{c.process} v{c.version}",
            hex_text(c.applicant, 12),
            _state(lang, c.state),
            utc_time(c.opened),
            _count(c.overdue_steps, True),
            _count(c.interventions, True),
        ]
        for c in cases
    ]
    headers = [
        text(lang, k)
        for k in (
            "case.id",
            "case.process",
            "case.applicant",
            "case.state",
            "case.opened",
            "case.overdue",
            "case.interventions",
        )
    ]
    body = table(headers, rows, text(lang, "cases.none"))
    if len(cases) == PAGE_ROWS:
        older = f"/cases?page={page + 1}"
        body = Html(body + tag("p", link(older, text(lang, "cases.older")), class_="more"))
    return layout(lang, text(lang, "cases.title"), body, "/cases")


def case_page(lang: str, view: CaseView, read_part: Html | None = None) -> str:
    """A case: its facts, steps (deadline, overdue, interventions) and the timeline; then
    ``read_part`` (a regulator's read form, pages_scoped) when given."""
    case, steps = view.case, view.steps
    case_id = str(case["id"])
    overdue = sum(1 for s in steps if s.get("overdue"))
    interventions = sum(int(s.get("interventions") or 0) for s in steps)
    facts = tag(
        "dl",
        *(
            Html(tag("dt", label) + tag("dd", value))
            for label, value in (
                (text(lang, "case.id"), hex_text(case_id)),
                (text(lang, "case.process"), f"{case['process']} v{case['version']}"),
                (text(lang, "case.applicant"), hex_text(str(case["applicant"]))),
                (text(lang, "case.state"), _state(lang, str(case["state"]))),
                (text(lang, "case.opened"), utc_time(int(case["opened"]))),
                (text(lang, "case.closed"), utc_time(int(case["closed"]))),
                (text(lang, "case.overdue"), _count(overdue, True)),
                (text(lang, "case.interventions"), _count(interventions, True)),
            )
        ),
        class_="facts",
    )
    step_rows = [
        [
            str(s["step"]),
            str(s["department"]),
            _state(lang, str(s["state"])),
            utc_time(int(s["deadline"])),
            tag("span", text(lang, "case.yes"), class_="badge bad") if s.get("overdue") else "",
            _count(int(s.get("interventions") or 0), True),
            str(s.get("attempts", 0)),
        ]
        for s in steps
    ]
    step_headers = [
        text(lang, k)
        for k in (
            "case.step",
            "case.department",
            "case.state",
            "case.deadline",
            "case.overdue",
            "case.interventions",
            "case.attempts",
        )
    ]
    body = Html(
        facts
        + tag("h2", text(lang, "case.steps"))
        + table(step_headers, step_rows, "-")
        + tag("h2", text(lang, "case.timeline"))
        + _timeline_check(lang, view)
        + _timeline(lang, view)
        + (read_part or "")
    )
    scripts = [SIGNING_SCRIPT] if read_part else []
    title = text(lang, "case.title", id=case_id[:12])
    return layout(lang, title, body, f"/cases/{case_id}", scripts)


def _timeline_check(lang: str, view: CaseView) -> Html:
    if view.check.outcome == "passed":
        return check_box(lang, view.check, text(lang, "case.timeline_proven"))
    if view.check.outcome == "failed" and view.failed_entry is not None:
        reason = text(
            lang, "case.timeline_failed", index=view.failed_entry, reason=view.check.reason
        )
        return tag(
            "div",
            tag("strong", text(lang, "check.title")),
            tag("span", text(lang, "check.failed"), class_="outcome"),
            tag("p", reason),
            id="offline-check",
            class_="check failed",
        )
    return check_box(lang, view.check)


def _timeline(lang: str, view: CaseView) -> Html:
    rows = []
    for shown in view.timeline:
        entry = shown["entry"]
        rows.append(
            [
                utc_time(int(entry["time"])),
                link(f"/blocks/{entry['height']}", str(entry["height"])),
                str(entry["step"] or "-"),
                link(f"/txs/{entry['tx_hash']}", str(entry["action"])),
                hex_text(str(entry["by"]), 12),
                tag("span", text(lang, "case.yes"), class_="badge warn") if entry["manual"] else "",
                str(entry["reason"]),
            ]
        )
    headers = [
        text(lang, k)
        for k in (
            "block.time",
            "block.height",
            "case.step",
            "case.action",
            "case.by",
            "case.manual",
            "case.reason",
        )
    ]
    return tag("div", table(headers, rows, "-"), id="timeline")
