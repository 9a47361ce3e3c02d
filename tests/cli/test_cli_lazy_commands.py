"""The ``govchain`` root imports a command's module only when that command runs.

Tests and operators run the CLI hundreds of times; each run used to import every
command's libraries (the console's web server, the report's charts and PDF,
the benchmarks' tooling) before doing anything.
"""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from govchain.cli.main import COMMANDS, app, load_command

HEAVY = ("fastapi", "uvicorn", "matplotlib", "fpdf", "psycopg", "playwright")

_PROBE = """
import json, sys
from typer.testing import CliRunner
from govchain.cli.main import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "loaded": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> tuple[int, set[str]]:
    ran = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
    )
    answer = json.loads(ran.stdout.splitlines()[-1])
    return int(answer["exit"]), set(answer["loaded"])


def test_a_chain_command_loads_its_own_module_and_none_of_the_heavy_libraries() -> None:
    code, loaded = _modules_after("gov", "propose", "--help")
    assert code == 0
    assert "govchain.cli.gov_cmd" in loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.startswith("govchain.cli.") and m.endswith("_cmd")} - {
        "govchain.cli.gov_cmd"
    }


def test_the_version_loads_no_command_at_all() -> None:
    code, loaded = _modules_after("--version")
    assert code == 0
    assert not [m for m in loaded if m.endswith("_cmd")]


def test_the_root_help_lists_every_command_with_its_own_help() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for name in COMMANDS:
        assert f" {name} " in shown.output, name
        help_text = load_command(name).get_short_help_str(200)
        assert help_text, name
        assert help_text[:30] in shown.output, name


def test_one_command_groups_stay_groups_and_asset_history_is_listed() -> None:
    node = CliRunner().invoke(app, ["node", "--help"], env={"COLUMNS": "200"})
    assert node.exit_code == 0
    assert " start " in node.output
    asset = CliRunner().invoke(app, ["asset", "--help"], env={"COLUMNS": "200"})
    assert asset.exit_code == 0
    assert " history " in asset.output


def test_an_unknown_command_is_refused_by_name() -> None:
    result = CliRunner().invoke(app, ["nonsense"])
    assert result.exit_code == 2
    assert "nonsense" in result.output
