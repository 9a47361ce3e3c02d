"""What the console's browser tests share: Debian's chromium, the screenshot directory,
the indexer's height, a page that answers, processes stopped, a page that fits a screen."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

__all__ = [
    "CHROMIUM",
    "NEEDS_CHROMIUM",
    "answers",
    "assert_fits",
    "chromium",
    "indexed_height",
    "screenshots_dir",
    "stop_all",
]

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium, driven through ``executable_path``: Playwright downloads no browser."""

NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="Debian chromium is missing (make test installs it: scripts/install-test-tools.sh)",
)


def chromium() -> Iterator[Browser]:
    """A launched chromium for a module's tests (use as a module-scoped fixture's body)."""
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            launched.close()


def screenshots_dir(tmp: Path, what: str) -> Path:
    """Where the screenshots go: ``$GOVCHAIN_TEST_ARTIFACTS/screenshots`` or under ``tmp``."""
    artifacts = os.environ.get("GOVCHAIN_TEST_ARTIFACTS")
    shots = (Path(artifacts) if artifacts else tmp) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    print(f"{what} screenshots: {shots}")
    return shots


def indexed_height(db: Path) -> int:
    """The last height the indexer wrote into the SQLite file ``db`` (0 before any)."""
    if not db.is_file():
        return 0
    connection = sqlite3.connect(db)
    try:
        found = connection.execute("SELECT height FROM indexer_progress WHERE id = 1").fetchone()
    except sqlite3.Error:
        return 0
    finally:
        connection.close()
    return 0 if found is None else int(found[0])


def answers(url: str) -> bool:
    """Whether ``url`` answers 200."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop_all(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process, then wait for each (SIGKILL after 30 s)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def assert_fits(page: Page, width: int, what: str) -> None:
    """The page scrolls no wider than a ``width`` px screen."""
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= width, f"{what}: the page is {wide} px wide on a {width} px screen"
