"""A throwaway PostgreSQL cluster for the tests: `initdb` + `pg_ctl` in a temporary folder.

The cluster listens on a free TCP port of 127.0.0.1 (and a socket in its own folder),
with fsync off.  PostgreSQL refuses to run as root, so under root (CI) the server runs
as the `postgres` system user through `runuser`, in a folder that user owns outside
pytest's temporary tree (which is private to root).

Two roles: `shelf` (trusted from 127.0.0.1, owner of the test databases) and
`shelfpw`, which must give its password (scram-sha-256), for the tests of PGPASSWORD,
PGPASSFILE and of the password never being shown.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

PASSWORD_USER = "shelfpw"
PASSWORD = "s3cret-Pa55word"


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "pg_ctl")):
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One running cluster; `url(dbname)` for each database made with `new_database()`."""

    def __init__(self, *, durable: bool = False) -> None:
        """`durable`: fsync and synchronous commits on, as a real server runs (benchmarks)."""
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="shelf-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.dbname = ""  # the database the tests share (made by the session fixture)
        if self.as_root:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        hba = (
            f"local all all trust\n"
            f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
            f"host all all 127.0.0.1/32 trust\n"
        )
        self._write(self.data / "pg_hba.conf", hba)
        conf = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.base}'\nmax_connections = 100\n"
            "shared_buffers = 128MB\n"
        )
        if not durable:
            conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(conf)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60",
                  "start")  # fmt: skip
        self.admin(
            "CREATE ROLE shelf LOGIN CREATEDB SUPERUSER; "
            f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}';"
        )

    def _cmd(self, name: str, *args: str) -> list[str]:
        argv = [str(self.bindir / name), *args]
        return ["runuser", "-u", "postgres", "--", *argv] if self.as_root else argv

    def _run(self, name: str, *args: str) -> None:
        r = subprocess.run(self._cmd(name, *args), capture_output=True, cwd="/", timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"{name} failed: {r.stdout.decode()} {r.stderr.decode()}")

    def _write(self, path: Path, text: str) -> None:
        with open(path, "w") as f:
            f.write(text)

    def admin(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as con:
            con.execute(sql)  # type: ignore[arg-type]

    def url(self, dbname: str, user: str = "shelf") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh empty database owned by `shelf`; its name."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.admin(f"CREATE DATABASE {name} OWNER shelf")
        self.admin(f"GRANT ALL ON DATABASE {name} TO {PASSWORD_USER}")
        self.admin(f"GRANT ALL ON SCHEMA public TO {PASSWORD_USER}", dbname=name)
        return name

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        for _ in range(50):
            if not (self.data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.base, ignore_errors=True)
