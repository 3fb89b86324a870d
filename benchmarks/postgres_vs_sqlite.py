"""`shelf bench run --scenarios postgres` against a throwaway local PostgreSQL server.

    python benchmarks/postgres_vs_sqlite.py --sizes 100000 --runs 5 \
        --json benchmarks/results/DATE-postgres.json

Starts a cluster of the Debian `postgresql` package (initdb + pg_ctl in a temporary
folder, as the tests do, but with fsync and synchronous commits on, as a real server
runs), creates a database for the bench, runs the postgres scenario (the same library
into SQLite and into the server, interleaved; see src/mediashelf/bench/postgres.py),
and stops the cluster.  Extra arguments go to `shelf bench run`.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tests.pgserver import PgServer

from mediashelf.bench import bench_main


def main() -> int:
    server = PgServer(durable=True)
    try:
        dbname = server.new_database()
        url = server.url(dbname)
        return bench_main(["run", "--scenarios", "postgres", "--postgres", url, *sys.argv[1:]])
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
