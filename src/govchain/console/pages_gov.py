"""Pages of governance and isolation (docs/spec/console.md, "Governance", "Isolation").

Pure rendering of what the nodes and the index answered: the proposals,
one proposal with its votes and outcome (and, for a member admin who may
still vote, the vote form), the committed duplicate-vote evidence and an
account, each with the form that proposes to evict the node or freeze the
account (F-E6). The forms are signed in the browser (pages_signin).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from govchain.console.catalogue import MESSAGES, text, value_text
from govchain.console.index_reader import VoteRow
from govchain.console.markup import Html, hex_text, layout, link, table, tag
from govchain.console.pages_signin import SIGNING_SCRIPT, key_inputs, key_messages
from govchain.console.sessions import Identity

__all__ = ["account_page", "evidence_page", "governance_page", "proposal_page"]


def _input(**attributes: str) -> Html:
    """A void ``<input>`` element, every attribute escaped."""
    attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attributes.items())
    return Html(f"<input{attrs}>")


def _button(label: str, **attributes: str) -> Html:
    """A ``<button>`` whose attributes may include ``name`` (which ``tag`` takes itself)."""
    attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attributes.items())
    return Html(f"<button{attrs}>{html.escape(label)}</button>")


def _facts(rows: Sequence[tuple[str, Html | str]]) -> Html:
    items = "".join(tag("dt", name) + tag("dd", value) for name, value in rows)
    return tag("dl", Html(items), class_="facts")


def _state(lang: str, state: str) -> Html:
    tone = {"executed": "ok", "rejected": "bad", "open": "warn"}.get(state, "wait")
    label = MESSAGES[lang].get(f"gov.state.{state}") or value_text(lang, state)
    return tag("span", label, class_=f"badge {tone}", data_state=state)


def _electorate_weight(proposal: Mapping[str, Any]) -> int:
    return sum(int(weight) for _, weight in proposal.get("electorate", []))


def governance_page(lang: str, page: Mapping[str, Any]) -> str:
    """The proposals, newest first, a page at a time."""
    rows = [
        (
            link(f"/governance/{int(p['id'])}", str(p["id"])),
            tag("code", str(p["action"])),
            _state(lang, str(p["state"])),
            f"{p['yes']} / {p['no']} / {_electorate_weight(p)}",
            str(p["proposer_org"]),
            str(p["height"]),
            str(p.get("decided_height") or "-"),
        )
        for p in page.get("proposals", [])
    ]
    headers = [text(lang, f"gov.{key}") for key in
               ("id", "action", "state", "tally", "proposer_org", "height", "decided")]  # fmt: skip
    body = tag("div", table(headers, rows, text(lang, "gov.none")), id="proposals")
    following = page.get("next")
    if following is not None:
        body = Html(body + tag("p", link("/governance?" + urlencode({"cursor": following}),
                                         text(lang, "gov.older"))))  # fmt: skip
    return layout(lang, text(lang, "gov.title"), body, "/governance")


def _args_text(args: object) -> str:
    """An action's args as the chain has them (bytes as hex in the API's JSON)."""
    return json.dumps(args, ensure_ascii=False, sort_keys=True, indent=1)


def _vote_form(lang: str, proposal_id: int) -> Html:
    return tag(
        "form",
        tag("p", text(lang, "gov.vote_explain"), class_="note"),
        key_inputs(lang, "vote"),
        _button(text(lang, "gov.vote_yes"), type="submit", name="yes", value="yes", id="vote-yes"),
        _button(text(lang, "gov.vote_no"), type="submit", name="yes", value="no", id="vote-no"),
        tag("p", "", class_="sign-message", role="status"),
        class_="signing sign-tx",
        id="vote",
        method="post",
        data_prepare=f"/governance/{proposal_id}/vote/prepare",
        data_submit="/governance/submit",
        **key_messages(lang),
    )  # fmt: skip


def _vote_part(
    lang: str, proposal: Mapping[str, Any], votes: Sequence[VoteRow], who: Identity | None
) -> Html:
    proposal_id = int(proposal["id"])
    if proposal.get("state") != "open":
        return Html("")
    if who is None:
        target = "/signin?" + urlencode({"next": f"/governance/{proposal_id}"})
        return tag("p", link(target, text(lang, "gov.signin_to_vote"), id="signin-to-vote"))
    electorate = {str(code) for code, _ in proposal.get("electorate", [])}
    if not who.may_govern or who.org not in electorate:
        return tag("p", text(lang, "gov.not_elector"), class_="note", id="no-vote")
    if any(vote.member == who.org for vote in votes):
        return tag("p", text(lang, "gov.voted_already", member=who.org), class_="note",
                   id="no-vote")  # fmt: skip
    return _vote_form(lang, proposal_id)


def proposal_page(
    lang: str, proposal: Mapping[str, Any], votes: Sequence[VoteRow], who: Identity | None
) -> str:
    """One proposal: action and args as the chain has them, proposer, state and outcome,
    the tally and every vote (from the index), and the vote form when it applies."""
    proposal_id = int(proposal["id"])
    facts = _facts([
        (text(lang, "gov.action"), tag("code", str(proposal["action"]), id="action")),
        (text(lang, "gov.args"), tag("pre", _args_text(proposal.get("args")), class_="attrs")),
        (text(lang, "gov.reason"), str(proposal.get("reason", ""))),
        (text(lang, "gov.proposer"), hex_text(str(proposal.get("proposer", "")))),
        (text(lang, "gov.proposer_org"), str(proposal.get("proposer_org", ""))),
        (text(lang, "gov.state"), tag("span", _state(lang, str(proposal["state"])),
                                      id="proposal-state")),
        (text(lang, "gov.result"), str(proposal.get("result") or "-")),
        (text(lang, "gov.decided"), tag("span", str(proposal.get("decided_height") or "-"),
                                        id="decided-height")),
        (text(lang, "gov.open"), text(lang, "gov.open_heights", start=proposal.get("height"),
                                      end=proposal.get("expiry_height"))),
        (text(lang, "gov.rule"), f"{proposal.get('rule')} · {proposal.get('participate_rate')}"
                                 f" · {proposal.get('win_rate')}"),
        (text(lang, "gov.tally"), tag("span", f"{proposal.get('yes')} / {proposal.get('no')} / "
                                      f"{_electorate_weight(proposal)}", id="tally")),
    ])  # fmt: skip
    rows = [
        (
            vote.member,
            hex_text(vote.voter, 16),
            tag("span", text(lang, "gov.yes" if vote.yes else "gov.no"),
                class_="badge ok" if vote.yes else "badge bad"),
            str(vote.height),
            link(f"/txs/{vote.tx_hash}", hex_text(vote.tx_hash, 16)),
        )
        for vote in votes
    ]  # fmt: skip
    headers = [text(lang, f"gov.{key}") for key in ("member", "voter", "vote", "vote_height", "tx")]
    body = Html(
        facts
        + tag("h2", text(lang, "gov.votes"))
        + tag("div", table(headers, rows, text(lang, "gov.no_votes")), id="votes")
        + _vote_part(lang, proposal, votes, who)
    )
    title = text(lang, "gov.proposal_title", id=proposal_id)
    return layout(lang, title, body, f"/governance/{proposal_id}", [SIGNING_SCRIPT])


def _propose_form(lang: str, action: str, target: str, form_id: str) -> Html:
    """A form proposing the isolation ``action`` against ``target`` (a node name or an
    account address), with a reason, signed in the browser."""
    return tag(
        "form",
        _input(type="hidden", name="action", value=action),
        _input(type="hidden", name="target", value=target),
        tag("label", text(lang, "iso.reason"), for_=f"{form_id}-reason"),
        _input(type="text", name="reason", id=f"{form_id}-reason", required="required",
            maxlength="256"),
        key_inputs(lang, form_id),
        tag("button", text(lang, f"iso.propose.{action}"), type="submit"),
        tag("p", "", class_="sign-message", role="status"),
        class_="signing sign-tx",
        id=form_id,
        method="post",
        data_prepare="/isolation/prepare",
        data_submit="/governance/submit",
        **key_messages(lang),
    )  # fmt: skip


def evidence_page(
    lang: str, evidence: Sequence[Mapping[str, Any]], nodes: Mapping[str, str], who: Identity
) -> str:
    """Committed duplicate-vote evidence, each with its validator's node and, for a member
    admin, the form that proposes to remove that node (``node.remove``)."""
    rows = []
    for index, item in enumerate(evidence):
        validator = str(item["validator"])
        name = nodes.get(validator)
        action: Html | str = "-"
        if name is not None and who.may_govern:
            action = _propose_form(lang, "node.remove", name, f"evict-{index}")
        rows.append((
            hex_text(validator, 16), name or text(lang, "iso.no_node"), str(item["height"]),
            str(item["round"]), str(item["vote_type"]), str(item["committed_height"]),
            link(f"/txs/{item['tx_hash']}", hex_text(str(item["tx_hash"]), 16)), action,
        ))  # fmt: skip
    columns = ("validator", "node", "height", "round", "vote_type", "committed", "tx", "act")
    headers = [text(lang, f"iso.{key}") for key in columns]
    body = Html(
        tag("p", text(lang, "iso.evidence_explain"), class_="note")
        + tag("div", table(headers, rows, text(lang, "iso.no_evidence")), id="evidence")
        + tag("h2", text(lang, "iso.account_lookup"))
        + tag(
            "form",
            tag("label", text(lang, "iso.address"), for_="account-address"),
            _input(type="text", name="address", id="account-address",
                pattern="[0-9a-f]{40}", required="required"),
            tag("button", text(lang, "iso.open_account"), type="submit"),
            method="get", action="/accounts", class_="signing",
        )
    )  # fmt: skip
    return layout(lang, text(lang, "iso.evidence_title"), body, "/evidence", [SIGNING_SCRIPT])


def account_page(
    lang: str, account: Mapping[str, Any], who: Identity, usage: Html | None = None
) -> str:
    """An account as the chain has it and, for a member admin while it is active, the form
    that proposes to freeze it (``account.freeze``); then ``usage`` (its usage history as the
    holder, pages_scoped) when given."""
    address = str(account["address"])
    facts = _facts([
        (text(lang, "signin.address"), tag("code", address, class_="hex")),
        (text(lang, "signin.kind"), str(account.get("kind", ""))),
        (text(lang, "signin.member"), str(account.get("org") or "-")),
        (text(lang, "iso.roles"), ", ".join(str(r) for r in account.get("roles", [])) or "-"),
        (text(lang, "gov.state"), tag("span", value_text(lang, str(account.get("status"))),
                                      id="account-status")),
        (text(lang, "iso.since"), str(account.get("height", ""))),
    ])  # fmt: skip
    act: Html = Html("")
    if who.may_govern and account.get("status") == "active":
        act = Html(tag("h2", text(lang, "iso.freeze_title"))
                   + _propose_form(lang, "account.freeze", address, "freeze"))  # fmt: skip
    title = text(lang, "iso.account_title")
    body = Html(facts + act + (usage or ""))
    return layout(lang, title, body, f"/accounts/{address}", [SIGNING_SCRIPT])
