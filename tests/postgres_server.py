"""A real PostgreSQL on loopback for the tests: a throwaway cluster, no mock.

:func:`running_postgres` runs ``initdb`` into a temp directory and starts the
server with ``pg_ctl`` on 127.0.0.1 and a free port (trust authentication,
its socket in the temp directory), waits until it answers, and stops it
at the end. PostgreSQL refuses to run as root: as root the cluster belongs
to the ``postgres`` system user the Debian package creates. The binaries
come from ``scripts/install-postgres.sh`` (``make test`` runs it). The
session fixture ``postgres_server`` shares one cluster across a test run
and :func:`fresh_database` makes an empty database in it per test.

Without the binaries (a developer without root who has not installed
them) the tests that need PostgreSQL are skipped, saying what to run; a
cluster that does not start fails them with the end of its log.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.s3_server import free_ports

__all__ = ["fresh_database", "pg_bin_dir", "postgres_server", "running_postgres"]

START_S = 60.0
_SUPERUSER = "govchain"


def pg_bin_dir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl`` (newest Debian version first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(owner: pwd.struct_passwd | None) -> dict[str, object]:
    return {} if owner is None else {"user": owner.pw_uid, "group": owner.pw_gid}


@contextmanager
def running_postgres() -> Iterator[str]:
    """A started cluster; yields the URL of its ``postgres`` database (as the superuser)."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (run: sudo scripts/install-postgres.sh)")
    owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    top = Path(tempfile.mkdtemp(prefix="govchain-pg-"))
    data, log = top / "data", top / "server.log"
    if owner is not None:
        os.chown(top, owner.pw_uid, owner.pw_gid)
    (port,) = free_ports(1)
    owned = _as_owner(owner)
    initdb = [bin_dir / "initdb", "-D", data, "-U", _SUPERUSER, "--auth=trust", "--encoding=UTF8",
              "--locale=C"]  # fmt: skip
    options = f"-h 127.0.0.1 -p {port} -k {top} -c fsync=on"
    start = [bin_dir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t",
             str(int(START_S)), "start"]  # fmt: skip
    for command in (initdb, start):
        done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=top,
                              **owned)  # type: ignore[call-overload]  # fmt: skip
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            shutil.rmtree(top, ignore_errors=True)
            pytest.fail(f"PostgreSQL did not start: {done.stderr.strip()}\n{tail}")
    url = f"postgresql://{_SUPERUSER}@127.0.0.1:{port}/postgres"
    try:
        _wait_ready(url)
        yield url
    finally:
        stop = [bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"]
        subprocess.run(stop, check=False, capture_output=True, cwd=top, **owned)  # type: ignore[call-overload]
        shutil.rmtree(top, ignore_errors=True)


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + START_S
    while True:
        try:
            with psycopg.connect(url, connect_timeout=5) as connection:
                connection.execute("SELECT 1")
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def fresh_database(server_url: str) -> str:
    """Create an empty database in the cluster; its URL."""
    name = f"index_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """One PostgreSQL cluster per test run: the URL of its ``postgres`` database."""
    with running_postgres() as url:
        yield url
