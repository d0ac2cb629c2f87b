"""A throwaway PostgreSQL cluster the drills can crash, stop and restore into.

As ``scripts/with_postgres.sh`` does for the tests: ``initdb`` into a temporary directory, listen on
a free port of 127.0.0.1 only, and, run as root, run the server as the ``postgres`` user (``initdb``
refuses root). Unlike the tests' cluster this one keeps ``fsync`` on: the crash drill checks what
survives an immediate stop, and that is only meaningful with the settings of a real server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if versions:
        return versions[-1]
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb): run make system-packages")
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


class Cluster:
    """``with Cluster("name") as cluster:`` a started cluster with an empty database ``tongxin``;
    stopped and deleted on exit."""

    def __init__(self, name: str, *, fsync: bool = True):
        self.name = name
        self.fsync = fsync
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix=f"tongxin-drill-{name}-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://tongxin@127.0.0.1:{self.port}/tongxin"

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(_as_owner([str(self.bin / args[0]), *args[1:]]), check=check, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def __enter__(self) -> "Cluster":
        self.dir.chmod(0o755)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "tongxin", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "tongxin", "tongxin")
        return self

    def __exit__(self, *exc) -> None:
        self.stop(check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self) -> float:
        """Start the server (after a crash: with its recovery); the seconds until it takes connections."""
        started = time.monotonic()
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync={'on' if self.fsync else 'off'} "
                   f"-c max_connections=100 -c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "120",
                  "-o", options, "start")
        return time.monotonic() - started

    def stop(self, *, mode: str = "fast", check: bool = True) -> None:
        """``mode="immediate"``: as a crash, no checkpoint; the next start recovers from the WAL."""
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check)

    def tool(self, name: str) -> str:
        return str(self.bin / name)
