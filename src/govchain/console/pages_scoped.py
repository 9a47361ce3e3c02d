"""Parts of pages for a regulator's reads and for an account's usage history (pure rendering).

The read form goes on a case or tx page for a signed-in regulator whose
scope covers it; the page's script (web/src/scoped_read.js) signs the
usage tx and the read and puts :func:`scoped_fragment` in ``#scoped-read-result``.
:func:`usage_table` lists an account's usage history as the holder (every
read of its assets, cases and txs), as the chain holds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from govchain.console.catalogue import text, value_text
from govchain.console.chain_reader import OfflineCheck
from govchain.console.markup import Html, hex_text, link, table, tag, utc_time
from govchain.console.pages_signin import key_inputs, key_messages
from govchain.console.scoped_reads import ScopedAnswer

__all__ = ["code_words", "read_form", "scoped_fragment", "usage_table"]

_KNOWN_CODES = ("not_in_scope", "not_found", "use_stale", "permission_denied", "invalid_args")


def code_words(lang: str, code: str) -> str:
    """A refusal's code in words (the code itself in brackets)."""
    if code in _KNOWN_CODES:
        return text(lang, f"scoped.code.{code}")
    return text(lang, "scoped.code.other", code=code)


def read_form(lang: str, target: str, target_id: str) -> Html:
    """The "read with a purpose" form of a case (``target`` ``case``) or a tx (``tx``)."""
    form = tag(
        "form",
        tag("p", text(lang, "scoped.explain", what=text(lang, f"scoped.what.{target}")),
            class_="note"),
        Html(f'<input type="hidden" name="target" value="{target}">'),
        Html(f'<input type="hidden" name="id" value="{target_id}">'),
        tag("label", text(lang, "scoped.purpose"), for_="scoped-purpose"),
        Html('<input type="text" name="purpose" id="scoped-purpose" required maxlength="256">'),
        key_inputs(lang, "scoped"),
        tag("button", text(lang, "scoped.button"), type="submit"),
        tag("p", "", class_="sign-message", role="status"),
        class_="signing scoped-read",
        id="scoped-read",
        method="post",
        data_prepare="/supervision/reads/prepare",
        data_submit="/supervision/reads/submit",
        **{**key_messages(lang), "data_msg_working": text(lang, "scoped.working")},
    )  # fmt: skip
    result = tag("div", "", id="scoped-read-result", role="region")
    return Html(tag("h2", text(lang, "scoped.title")) + form + result)


def _check(lang: str, check: OfflineCheck) -> Html:
    title = tag("strong", text(lang, "check.title") + ("：" if lang == "zh" else ": "))
    if check.outcome == "passed":
        parts = [tag("span", text(lang, "check.passed"), class_="outcome"),
                 tag("p", text(lang, "scoped.check_passed"))]  # fmt: skip
    elif check.outcome == "failed":
        parts = [tag("span", text(lang, "check.failed"), class_="outcome"),
                 tag("p", text(lang, "check.step", check=check.check))]  # fmt: skip
    else:
        parts = [Html(text(lang, "check.unavailable"))]
    return tag("div", title, *parts, id="scoped-check", class_=f"check {check.outcome}")


def _json_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def scoped_fragment(lang: str, answer: ScopedAnswer) -> Html:
    """What the node served against the usage record: the case's form and materials, or the
    tx's args, with the offline check and the record that made the read."""
    usage = answer.usage
    recorded = tag(
        "p",
        text(lang, "scoped.use_tx") + " ",
        link(f"/txs/{answer.use_tx}", hex_text(answer.use_tx, 16)),
        " · ",
        text(lang, "scoped.recorded", height=usage.get("height", "-"),
             holder=str(usage.get("holder", ""))[:12] + "…"),
        id="scoped-use",
    )  # fmt: skip
    parts: list[Html] = [tag("h3", text(lang, "scoped.result")), _check(lang, answer.check),
                         recorded]  # fmt: skip
    headers = [text(lang, "scoped.field"), text(lang, "scoped.value")]
    if answer.case is not None:
        form = answer.case.get("form") or {}
        rows = [[str(k), _json_text(v)] for k, v in sorted(dict(form).items())]
        materials = [[hex_text(str(m))] for m in answer.case.get("materials") or ()]
        parts += [
            tag("h4", text(lang, "scoped.form")),
            tag("div", table(headers, rows, "-"), id="scoped-form"),
            tag("h4", text(lang, "scoped.materials")),
            tag("div", table([text(lang, "scoped.materials")], materials,
                             text(lang, "scoped.no_materials")), id="scoped-materials"),
        ]  # fmt: skip
    elif answer.tx is not None:
        args = answer.tx.get("args") or {}
        rows = [[str(k), _json_text(v)] for k, v in sorted(dict(args).items())]
        parts += [
            tag("h4", text(lang, "scoped.args") + f" · {answer.tx.get('type', '')}"),
            tag("div", table(headers, rows, "-"), id="scoped-args"),
        ]
    return tag("section", Html("".join(parts)), class_="scoped-answer")


def _what(lang: str, usage: Mapping[str, Any]) -> Html:
    target = str(usage.get("target") or "")
    if target == "case":
        ident = str(usage.get("target_id", ""))
        return Html(text(lang, "usage.target.case") + " "
                    + link(f"/cases/{ident}", hex_text(ident, 12)))  # fmt: skip
    if target == "tx":
        ident = str(usage.get("target_id", ""))
        return Html(text(lang, "usage.target.tx") + " "
                    + link(f"/txs/{ident}", hex_text(ident, 12)))  # fmt: skip
    asset = str(usage.get("asset", ""))
    return Html(text(lang, "usage.target.asset") + " " + hex_text(asset, 12)
                + f" v{int(usage.get('version') or 0)}")  # fmt: skip


def usage_table(lang: str, usage: Sequence[Mapping[str, Any]], more: bool) -> Html:
    """An account's usage history as the holder, oldest first; ``more``: the list was cut."""
    rows = [
        [
            utc_time(int(u.get("time") or 0)),
            str(u.get("height", "")),
            hex_text(str(u.get("reader", "")), 12),
            str(u.get("reader_org") or "-"),
            _what(lang, u),
            value_text(lang, str(u.get("action", ""))),
            str(u.get("purpose", "")),
            value_text(lang, str(u.get("via", ""))),
            link(f"/txs/{u.get('tx_hash', '')}", hex_text(str(u.get("tx_hash", "")), 12)),
        ]
        for u in usage
    ]
    columns = ("time", "height", "reader", "reader_org", "what", "action", "purpose", "via", "tx")
    headers = [text(lang, f"usage.{c}") for c in columns]
    body = Html(
        tag("h2", text(lang, "usage.history"))
        + tag("p", text(lang, "usage.history_explain"), class_="note")
        + tag("div", table(headers, rows, text(lang, "usage.none")), id="usage-history")
    )
    if more:
        body = Html(body + tag("p", text(lang, "usage.more", n=len(usage)), class_="note"))
    return body
