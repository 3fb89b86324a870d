"""The verify use case: decode the files a query keeps and record what is damaged."""

from __future__ import annotations

from collections.abc import Sequence

from mediashelf.catalog import Catalog
from mediashelf.config import Settings
from mediashelf.events import Sink
from mediashelf.query import build
from mediashelf.scan.verify import VerifyOptions, VerifySummary, run_verify

#: the least time one file may take to decode (the scan's limit is for reading tags)
MIN_TIMEOUT = 120.0


def verify(
    settings: Settings,
    catalog: Catalog,
    query: Sequence[str],
    *,
    again: bool,
    sink: Sink,
    cwd: bytes | None = None,
    timeout: float | None = None,
) -> VerifySummary:
    """Decode the present audio and video files `query` keeps (all without one) in the
    worker pool; `catalog` is held under the writer lease (see `app.session.writing`).

    Files verified before and unchanged since are skipped unless `again`.  `sink`
    hears the files to decode and done, a `damaged` event per damaged file (detail:
    its reasons) and a `failed` event per file that could not be decoded to a verdict.
    """
    compiled = build(query, cwd=cwd)
    profile = settings.profile
    options = VerifyOptions(
        jobs=settings.jobs,
        timeout=timeout if timeout is not None else max(MIN_TIMEOUT, profile.timeout),
        memory_mb=max(profile.memory_mb, 1024),
        again=again,
    )
    return run_verify(catalog, compiled, options, sink)
