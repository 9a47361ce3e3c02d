"""``govchain id check``: exit 0 valid, 1 naming the failed check, 2 on usage errors (issue 14).

A citizen number never appears on stdout or stderr (F-C7), searched byte-wise.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from govchain.codes import build_licence_id, demo_citizen_id, demo_uscc

from ..govchain_cli import GOVCHAIN, govchain, one_line_error

USCC = demo_uscc(40)
CITIZEN = demo_citizen_id(40, birth="19770615")
LICENCE = build_licence_id("11100000MB0143028R001", USCC, "2024000040", "001").text


def _run_bytes(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(GOVCHAIN), "id", "check", *args], check=False, capture_output=True, timeout=120
    )


@pytest.mark.parametrize(
    ("code", "kind"), [(USCC, "uscc"), (CITIZEN, "citizen"), (LICENCE, "licence")]
)
def test_valid_codes_exit_0_with_their_kind(code: str, kind: str) -> None:
    assert govchain("id", "check", code).stdout.startswith("valid ")
    answer = json.loads(govchain("id", "check", code, "--json").stdout)
    assert answer == {"kind": kind, "valid": True, "check": None, "message": answer["message"]}
    assert govchain("id", "check", code, "--kind", kind).returncode == 0


@pytest.mark.parametrize(
    ("code", "kind", "failed"),
    [
        (USCC[:17] + ("0" if USCC[17] != "0" else "1"), "uscc", "check_character"),
        (USCC[:8] + "I" + USCC[9:], "uscc", "alphabet"),
        (CITIZEN[:10] + "0230" + CITIZEN[14:], "citizen", "birth_date"),
        (LICENCE.replace(".001.", ".01."), "licence", "version"),
    ],
)
def test_invalid_codes_exit_1_naming_the_check(code: str, kind: str, failed: str) -> None:
    reason = one_line_error(govchain("id", "check", code, check=False))
    assert reason.endswith(f"(failed check: {failed})")
    result = govchain("id", "check", code, "--json", check=False)
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert (answer["kind"], answer["valid"], answer["check"]) == (kind, False, failed)
    assert answer["message"]


def test_kind_is_not_guessed_when_given() -> None:
    result = govchain("id", "check", CITIZEN, "--kind", "licence", "--json", check=False)
    assert result.returncode == 1
    assert json.loads(result.stdout)["check"] == "prefix"
    assert json.loads(result.stdout)["kind"] == "licence"


@pytest.mark.parametrize("args", [("--kind", "passport", USCC), (), (USCC, "--jsn"), ("--kind",)])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = govchain("id", "check", *args, check=False)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


_WRONG_CHECK = CITIZEN[:17] + ("0" if CITIZEN[17] != "0" else "1")


@pytest.mark.parametrize(
    "args",
    [
        (CITIZEN,),  # valid
        (CITIZEN, "--json"),
        (CITIZEN, "--kind", "uscc", "--json"),  # checked as the wrong kind
        (_WRONG_CHECK,),
        (_WRONG_CHECK, "--kind", "citizen", "--json"),
        (CITIZEN[:10] + "1301" + CITIZEN[14:],),  # no calendar date
        (CITIZEN[:17] + "x", "--json"),  # lower-case x
        (CITIZEN[:17],),  # too short: detected as a credit code, still not echoed
    ],
)
def test_a_citizen_number_is_never_printed(args: tuple[str, ...]) -> None:
    number = args[0]
    result = _run_bytes(*args)
    assert result.returncode in (0, 1)
    for stream in (result.stdout, result.stderr):
        assert number.encode() not in stream
        assert number[6:14].encode() not in stream  # nor its birth date
    assert b"Traceback" not in result.stderr


def test_help_documents_the_detection_rule() -> None:
    text = govchain("id", "check", "--help", env={**os.environ, "COLUMNS": "200"}).stdout
    assert "citizen" in text
    assert "--kind" in text
    assert "never printed" in text
