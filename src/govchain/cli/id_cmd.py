"""``govchain id``: check credit codes, citizen numbers and e-licence identifiers (issue 14).

A citizen number is personal data (F-C7): this command never prints the code
it is given, valid or not, on stdout or stderr; it prints the kind, the
verdict and the failed check.
"""

from __future__ import annotations

import typer

from govchain.cli.console import console, fail, print_json
from govchain.codes import CodeError, CodeKind, check

app = typer.Typer(help="Check national codes: credit codes, citizen numbers, licence identifiers.")

_DESCRIPTIONS = {
    CodeKind.USCC: "credit code (GB 32100, with the GB 11714 organization code)",
    CodeKind.CITIZEN: "citizen number (GB 11643)",
    CodeKind.LICENCE: "e-licence identifier (GB/T 36904)",
}


@app.command("check")
def check_code(
    code: str = typer.Argument(
        ..., metavar="CODE", help="The code to check; it is never printed back.", show_default=False
    ),
    kind: CodeKind | None = typer.Option(
        None,
        "--kind",
        help="Check as this kind; without it: a dotted code is a licence identifier, "
        "17 digits and a digit or X a citizen number (or an all-digit credit code), "
        "anything else a credit code.",
        case_sensitive=False,
    ),
    json_out: bool = typer.Option(
        False, "--json", help='Print {"kind", "valid", "check", "message"}.'
    ),
) -> None:
    """Check CODE; exit 0 when it is valid, 1 naming the failed check when it is not."""
    try:
        found = check(code, kind)
    except CodeError as exc:
        if json_out:
            print_json(
                {"kind": exc.kind.value, "valid": False, "check": exc.check, "message": str(exc)}
            )
            raise typer.Exit(1) from None
        fail(f"{exc} (failed check: {exc.check})")
    message = f"valid {_DESCRIPTIONS[found]}"
    if json_out:
        print_json({"kind": found.value, "valid": True, "check": None, "message": message})
    else:
        console.print(message, highlight=False)
