"""Write tests/vectors/codes.json: known answers for the code checks, with failing cases.

Run: .venv/bin/python -m tests.unit.codes.write_vectors

Valid codes are made with govchain.codes (demo generators and builders) or
copied from published sources named in the case; test_code_vectors.py checks
every case against the library and against codes_reference.py, written
separately from the standards' text. Every failing case names the check
expected to fail; each differs from a valid code in one field, with later
check characters recomputed where needed, so only the named check fails.
No citizen number here belongs to a person: all are made from fixed test dates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govchain.codes import build_licence_id, demo_citizen_id, demo_uscc
from govchain.codes.citizen_id import citizen_check_digit
from govchain.codes.iso7064 import mod11_2_check_character, mod37_36_check_character
from govchain.codes.uscc import org_code_check_character, uscc_check_character

OUT = Path(__file__).resolve().parents[2] / "vectors" / "codes.json"

SAMR = "11100000MB0143028R"  # 国家市场监督管理总局, docs: enterprise-setup "E-licence codes"
BUSINESS_LICENCE = SAMR + "001"  # 营业执照 type code, same source
ANNEX_ISSUER = "11430000006122244L"
ANNEX_TYPE = "11100000000013338W011"
ANNEX_SOURCE = "example identifiers published with a national e-licence standard (annex A.2)"


def uscc(head: str, region: str, body: str) -> str:
    """A credit code from its first two characters, region and 8-character subject body."""
    first17 = head + region + body + org_code_check_character(body)
    return first17 + uscc_check_character(first17)


def citizen(first17: str) -> str:
    """A citizen number from its first 17 digits (the check digit recomputed)."""
    return first17 + citizen_check_digit(first17)


def _with_check(first17: str) -> str:
    return first17 + uscc_check_character(first17)


def case(
    name: str, kind: str | None, code: str, check: str | None, expect_kind: str | None = None
) -> dict[str, Any]:
    """One vector; ``check`` None means valid."""
    return {
        "name": name,
        "kind": kind,
        "code": code,
        "valid": check is None,
        "check": check,
        "expect_kind": expect_kind or kind,
    }


def _body_with_org_check(check: str) -> str:
    for n in range(100_000):
        body = f"{n:08d}"
        if org_code_check_character(body) == check:
            return body
    raise AssertionError(check)


def uscc_cases() -> list[dict[str, Any]]:
    good = demo_uscc(7)
    out = [
        case("demo-0", "uscc", demo_uscc(0), None),
        case("demo-7", "uscc", good, None),
        case("demo-99999", "uscc", demo_uscc(99_999), None),
        case("demo-beijing", "uscc", demo_uscc(42, "110105"), None),
        case("published-samr", "uscc", SAMR, None),
        case("published-mnr", "uscc", "11100000MB03271699", None),
        case("published-annex-issuer", "uscc", ANNEX_ISSUER, None),
        case("org-check-X", "uscc", uscc("12", "370100", _body_with_org_check("X")), None),
        case("org-check-0", "uscc", uscc("52", "370100", _body_with_org_check("0")), None),
    ]
    out += [
        case(f"authority-{head}", "uscc", uscc(head, "370102", "DEM00100"), None)
        for head in ("13", "21", "35", "41", "53", "62", "72", "81", "93", "A1", "N3", "Y1")
    ]
    out += [
        case("too-short", "uscc", good[:17], "length"),
        case("too-long", "uscc", good + "0", "length"),
        case("empty", "uscc", "", "length"),
        case("letter-I", "uscc", good[:8] + "I" + good[9:], "alphabet"),
        case("letter-O", "uscc", good[:12] + "O" + good[13:], "alphabet"),
        case("lower-case", "uscc", good.lower(), "alphabet"),
        case("full-width-digit", "uscc", "９" + good[1:], "alphabet"),
        case("authority-B", "uscc", _with_check("B" + good[1:17]), "registration_authority"),
        case("authority-0", "uscc", _with_check("0" + good[1:17]), "registration_authority"),
        case("category-94", "uscc", _with_check("94" + good[2:17]), "category"),
        case("category-Y2", "uscc", _with_check("Y2" + good[2:17]), "category"),
        case("category-letter", "uscc", _with_check("1A" + good[2:17]), "category"),
        case("region-letter", "uscc", _with_check("9137A102" + good[8:17]), "region"),
        case("org-check-wrong", "uscc", _with_check(good[:16] + "X"), "org_code_check"),
        case(
            "check-wrong", "uscc", good[:17] + ("0" if good[17] != "0" else "1"), "check_character"
        ),
    ]
    return out


def citizen_cases() -> list[dict[str, Any]]:
    good = demo_citizen_id(1)
    out = [case(f"demo-{n}", "citizen", demo_citizen_id(n), None) for n in (0, 1, 2, 999)]
    out += [
        case("leap-day-2000", "citizen", demo_citizen_id(5, birth="20000229"), None),
        case("year-1800", "citizen", demo_citizen_id(5, birth="18000101"), None),
        case("region-beijing", "citizen", demo_citizen_id(8, region="110105"), None),
    ]
    x_check = next(n for n in range(1000) if demo_citizen_id(n).endswith("X"))
    zero_check = next(n for n in range(1000) if demo_citizen_id(n).endswith("0"))
    digit_check = demo_citizen_id(zero_check)
    out += [
        case("check-X", "citizen", demo_citizen_id(x_check), None),
        case("check-0", "citizen", demo_citizen_id(zero_check), None),
        case("old-15-digits", "citizen", good[:6] + good[8:17], "length"),
        case("too-short", "citizen", good[:17], "length"),
        case("letter-inside", "citizen", good[:4] + "A" + good[5:], "alphabet"),
        case("lower-case-x", "citizen", demo_citizen_id(x_check)[:17] + "x", "alphabet"),
        case("region-0", "citizen", citizen("070102" + good[6:17]), "region"),
        case("feb-30", "citizen", citizen("37010219900230001"), "birth_date"),
        case("feb-29-1900", "citizen", citizen("37010219000229001"), "birth_date"),
        case("month-13", "citizen", citizen("37010219901301001"), "birth_date"),
        case("day-0", "citizen", citizen("37010219900100001"), "birth_date"),
        case("year-1799", "citizen", citizen("37010217991231001"), "birth_date"),
        case(
            "check-wrong", "citizen", good[:17] + ("0" if good[17] != "0" else "1"), "check_digit"
        ),
        case("X-for-digit", "citizen", digit_check[:17] + "X", "check_digit"),
    ]
    return out


def licence_cases() -> list[dict[str, Any]]:
    issuer = demo_uscc(11)
    good = build_licence_id(BUSINESS_LICENCE, issuer, "2024000001", "001").text
    root = "1.2.156.3005.2."

    def fields(type_code: str, issuer_code: str, serial: str, version: str) -> str:
        data = type_code + issuer_code + serial + version
        check = mod37_36_check_character(data)
        return root + ".".join((type_code, issuer_code, serial, version, check))

    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    letter_check = next(
        text
        for n in range(1000)
        if (text := build_licence_id(BUSINESS_LICENCE, issuer, str(n), "001").text)[-1].isalpha()
    )
    return [
        case("business-licence", "licence", good, None),
        case(
            "serial-1-digit",
            "licence",
            build_licence_id(BUSINESS_LICENCE, issuer, "7", "002").text,
            None,
        ),
        case(
            "serial-32-digits",
            "licence",
            build_licence_id(BUSINESS_LICENCE, issuer, "1" * 32, "001").text,
            None,
        ),
        case(
            "published-annex-v1",
            "licence",
            f"{root}{ANNEX_TYPE}.{ANNEX_ISSUER}.20230000403.001.U",
            None,
        ),
        case(
            "published-annex-v2",
            "licence",
            f"{root}{ANNEX_TYPE}.{ANNEX_ISSUER}.20230000403.002.S",
            None,
        ),
        case("too-long", "licence", good + "0" * 40, "length"),
        case("empty", "licence", "", "length"),
        case("wrong-root", "licence", "1.2.156.3005.3." + good[len(root) :], "prefix"),
        case("no-root", "licence", good[len(root) :], "prefix"),
        case("four-fields", "licence", good.rsplit(".", 1)[0], "structure"),
        case("six-fields", "licence", good + ".0", "structure"),
        case("type-code-short", "licence", fields(SAMR + "01", issuer, "1", "001"), "type_code"),
        case("type-code-letters", "licence", fields(SAMR + "00A", issuer, "1", "001"), "type_code"),
        case(
            "type-code-bad-credit-code",
            "licence",
            fields(SAMR[:17] + "0001", issuer, "1", "001"),
            "type_code",
        ),
        case(
            "issuer-bad-check",
            "licence",
            fields(BUSINESS_LICENCE, issuer[:17] + ("0" if issuer[17] != "0" else "1"), "1", "001"),
            "issuer_code",
        ),
        case(
            "issuer-short",
            "licence",
            fields(BUSINESS_LICENCE, issuer[:17], "1", "001"),
            "issuer_code",
        ),
        case("serial-empty", "licence", fields(BUSINESS_LICENCE, issuer, "", "001"), "serial"),
        case(
            "serial-letters", "licence", fields(BUSINESS_LICENCE, issuer, "2024A1", "001"), "serial"
        ),
        case("version-2-digits", "licence", fields(BUSINESS_LICENCE, issuer, "1", "01"), "version"),
        case("version-letter", "licence", fields(BUSINESS_LICENCE, issuer, "1", "0A1"), "version"),
        case("check-wrong", "licence", wrong_check, "check_character"),
        case("check-two-characters", "licence", good + "0", "check_character"),
        case(
            "check-lower-case",
            "licence",
            letter_check[:-1] + letter_check[-1].lower(),
            "check_character",
        ),
    ]


def detect_cases() -> list[dict[str, Any]]:
    # An all-digit credit code whose characters 7..14 are no date: it looks like a
    # citizen number, fails as one and passes as a credit code.
    all_digit = next(
        code for n in range(100_000) if (code := uscc("91", "370102", f"99{n:06d}")).isdigit()
    )
    return [
        case("citizen", None, demo_citizen_id(3), None, "citizen"),
        case("citizen-bad-date", None, citizen("37010219900230001"), "birth_date", "citizen"),
        case("citizen-lower-x", None, demo_citizen_id(3)[:17] + "x", "alphabet", "citizen"),
        case("uscc", None, demo_uscc(3), None, "uscc"),
        case("uscc-all-digits", None, all_digit, None, "uscc"),
        case("uscc-bad", None, demo_uscc(3)[:17] + "I", "alphabet", "uscc"),
        case(
            "licence",
            None,
            build_licence_id(BUSINESS_LICENCE, demo_uscc(3), "9", "001").text,
            None,
            "licence",
        ),
        case("licence-bad", None, "1.2.156.3005.2.x", "structure", "licence"),
        case("short", None, "12345", "length", "uscc"),
    ]


def kat(system: str, data: str, check: str, source: str) -> dict[str, str]:
    """One known answer of a check-character system."""
    return {"system": system, "data": data, "check": check, "source": source}


def check_character_cases() -> list[dict[str, str]]:
    annex = ANNEX_TYPE + ANNEX_ISSUER + "20230000403"
    generated = "37010219900101001"
    return [
        kat("mod11-2", "000000021825009", "7", "ORCID's example iD 0000-0002-1825-0097"),
        kat("mod11-2", generated, mod11_2_check_character(generated), "generated"),
        kat("mod37-36", annex + "001", "U", ANNEX_SOURCE),
        kat("mod37-36", annex + "002", "S", ANNEX_SOURCE),
        kat("gb11714", "MB014302", "8", "SAMR's credit code " + SAMR),
        kat("gb11714", "00001333", "8", "the annex type code's credit code"),
        kat("gb32100", SAMR[:17], "R", "SAMR's credit code"),
        kat("gb32100", ANNEX_ISSUER[:17], "L", ANNEX_SOURCE),
    ]


def main() -> None:
    vectors = {
        "description": (
            "Known answers of govchain.codes (issue 14, F-B1, F-B3, F-C1, F-C7). A case with "
            "kind null is checked without a kind (detection); expect_kind is the kind found. "
            "check is null for a valid code, else the CodeError.check expected. Citizen numbers "
            "are generated from fixed test dates, never a person's."
        ),
        "check_characters": check_character_cases(),
        "cases": uscc_cases() + citizen_cases() + licence_cases() + detect_cases(),
    }
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
