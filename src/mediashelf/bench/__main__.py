"""`python -m mediashelf.bench ...`: the same as `shelf bench ...`."""

from __future__ import annotations

import sys

from mediashelf.bench import bench_main

raise SystemExit(bench_main(sys.argv[1:]))
