"""``govchain demo enterprise-setup`` refuses bad options in one line (issue 18 item 7)."""

from __future__ import annotations

from pathlib import Path

from ..govchain_cli import govchain, one_line_error


def test_a_directory_that_holds_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = govchain("demo", "enterprise-setup", "--dir", tmp_path, "--json", check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "expected a new or empty directory" in one_line_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_counts_out_of_range_are_refused_before_anything_starts(tmp_path: Path) -> None:
    for option in (["--cases", "0"], ["--reject-rate", "2"]):
        result = govchain("demo", "enterprise-setup", "--dir", tmp_path / "d", *option, check=False)
        assert result.returncode == 2
        assert option[0] in result.stderr
        assert not (tmp_path / "d").exists()
