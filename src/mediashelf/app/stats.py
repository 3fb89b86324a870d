"""Library statistics: the figures of `shelf stats` and the page of `shelf report`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from mediashelf.catalog import Catalog
from mediashelf.catalog.tree import Compiled
from mediashelf.query import compile_query, parse
from mediashelf.stats import compute_stats

#: the title of the report page
REPORT_TITLE = "mediashelf library"


class LibraryStats(NamedTuple):
    """The figures (see stats/figures.py; JSON-ready) of the items a query keeps."""

    figures: dict[str, Any]
    query: str | None  # the query as text; None: the whole library

    @property
    def items(self) -> int:
        return int(self.figures["items"])


def prepare(query: Sequence[str], *, cwd: bytes | None = None) -> Compiled:
    """The query of the statistics, compiled (raises QueryError).

    The figures count present items themselves, so missing ones are not left out here.
    """
    return compile_query(parse(query), cwd=cwd, missing=None)


def library_stats(catalog: Catalog, compiled: Compiled, query: Sequence[str] = ()) -> LibraryStats:
    return LibraryStats(compute_stats(catalog, compiled), " ".join(query) or None)


def report_page(stats: LibraryStats) -> str:
    """The statistics as one self-contained HTML page."""
    from mediashelf.stats.report import render_html

    return render_html(stats.figures, REPORT_TITLE, stats.query)


def report_sections(stats: LibraryStats) -> str:
    """The report's figures, charts and tables as a fragment of a page (see report_css)."""
    from mediashelf.stats.report import render_sections

    return render_sections(stats.figures)


def report_css() -> str:
    """The style sheet of the report's fragments."""
    from mediashelf.stats.report import REPORT_CSS

    return REPORT_CSS
