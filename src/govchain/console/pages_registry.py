"""The members pages (成员): members, their nodes, accounts and subjects by kind; a member.

Pure rendering. Members and nodes are the registry's records as a node
served them (a member's name is public on chain); accounts and subjects are
counts from the index only: no subject is named, no person identified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govchain.console.catalogue import text, value_text
from govchain.console.index_figures import SUBJECT_KINDS, KindCounts
from govchain.console.markup import Html, layout, link, table, tag
from govchain.console.pages_chain import check_box
from govchain.console.registry_reader import MemberView

__all__ = ["member_page", "members_page"]

_GOOD = {"active": "ok", "valid": "ok", "suspended": "warn", "frozen": "warn"}


def _status(lang: str, status: str) -> Html:
    return tag("span", value_text(lang, status), class_=f"badge {_GOOD.get(status, 'bad')}")


def _height(height: int) -> Html | str:
    """A height linking its block; 0 (the genesis) as it is."""
    return link(f"/blocks/{height}", str(height)) if height > 0 else "0"


def _nodes(lang: str, nodes: Sequence[Mapping[str, Any]], with_member: bool = True) -> Html:
    rows = [
        [
            str(n.get("name", "")),
            *([link(f"/members/{n.get('org', '')}", str(n.get("org", "")))] if with_member else []),
            value_text(lang, str(n.get("role", ""))),
            _status(lang, str(n.get("status", ""))),
            str(n.get("power", 0)) if n.get("role") == "validator" else "-",
        ]
        for n in nodes
    ]
    keys = ["members.node_name", *(["members.member"] if with_member else []), "node.role",
            "members.status", "members.power"]  # fmt: skip
    return tag(
        "div", table([text(lang, k) for k in keys], rows, text(lang, "members.no_nodes")),
        id="nodes",
    )  # fmt: skip


def _kinds(lang: str, kinds: Sequence[KindCounts]) -> Html:
    statuses = sorted({status for k in kinds for status in k.by_status})
    rows = [
        [value_text(lang, k.kind), *(str(k.by_status.get(s, 0)) for s in statuses), str(k.total)]
        for k in kinds
    ]
    headers = [text(lang, "members.kind"), *(value_text(lang, s) for s in statuses),
               text(lang, "members.total")]  # fmt: skip
    return tag("div", table(headers, rows, text(lang, "members.no_accounts")), id="accounts")


def _subjects(lang: str, applied: Mapping[str, int]) -> Html:
    rows = [[value_text(lang, kind), str(applied.get(kind, 0))] for kind in SUBJECT_KINDS]
    headers = [text(lang, "members.kind"), text(lang, "members.total")]
    return tag("div", table(headers, rows, "-"), id="subjects")


def members_page(
    lang: str,
    members: Sequence[Mapping[str, Any]],
    nodes: Sequence[Mapping[str, Any]],
    accounts: Sequence[KindCounts],
    accounts_by_org: Mapping[str, int],
    subjects: Mapping[str, int],
) -> str:
    """Members (code, name, status, weight, nodes, accounts), every node, the indexed accounts
    by kind and status, and subjects applied by kind."""
    node_count: dict[str, int] = {}
    for n in nodes:
        node_count[str(n.get("org", ""))] = node_count.get(str(n.get("org", "")), 0) + 1
    rows = [
        [
            link(f"/members/{m.get('code', '')}", str(m.get("code", ""))),
            str(m.get("name", "")),
            _status(lang, str(m.get("status", ""))),
            str(m.get("weight", "")),
            str(node_count.get(str(m.get("code", "")), 0)),
            str(accounts_by_org.get(str(m.get("code", "")), 0)),
        ]
        for m in members
    ]
    keys = ("members.code", "members.name", "members.status", "members.weight",
            "members.node_count", "members.account_count")  # fmt: skip
    body = Html(
        tag("h2", text(lang, "members.members"))
        + tag(
            "div",
            table([text(lang, k) for k in keys], rows, text(lang, "members.none")),
            id="members",
        )
        + tag("h2", text(lang, "members.nodes"))
        + _nodes(lang, nodes)
        + tag("h2", text(lang, "members.accounts"))
        + _kinds(lang, accounts)
        + tag("h2", text(lang, "members.subjects"))
        + _subjects(lang, subjects)
    )
    return layout(lang, text(lang, "members.title"), body, "/members")


def member_page(
    lang: str,
    view: MemberView,
    nodes: Sequence[Mapping[str, Any]],
    accounts: Sequence[KindCounts],
    subjects: Mapping[str, int],
) -> str:
    """A member: its record and the offline check of it, its nodes, its accounts by kind and
    status, and the subjects that applied to it by kind."""
    shown = view.member
    code = str(shown.get("code", ""))
    facts = tag(
        "dl",
        *(
            Html(tag("dt", label) + tag("dd", value))
            for label, value in (
                (text(lang, "members.code"), code),
                (text(lang, "members.name"), str(shown.get("name", ""))),
                (text(lang, "members.status"), _status(lang, str(shown.get("status", "")))),
                (text(lang, "members.weight"), str(shown.get("weight", ""))),
                (text(lang, "member.permissions"),
                 " ".join(str(p) for p in shown.get("permissions", ())) or "-"),
                (text(lang, "member.admins"), str(len(shown.get("admins", ())))),
                (text(lang, "member.height"), _height(int(shown.get("height", 0)))),
            )
        ),
        class_="facts",
    )  # fmt: skip
    body = Html(
        check_box(lang, view.check, text(lang, "member.proven"))
        + facts
        + tag("h2", text(lang, "members.nodes"))
        + _nodes(lang, nodes, with_member=False)
        + tag("h2", text(lang, "members.accounts"))
        + _kinds(lang, accounts)
        + tag("h2", text(lang, "members.subjects"))
        + _subjects(lang, subjects)
    )
    return layout(lang, text(lang, "member.title", code=code), body, f"/members/{code}")
