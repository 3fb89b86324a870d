"""Library statistics: the figures (figures.py), as text (text.py) and as an HTML page
with charts (html.py, charts.py)."""

from __future__ import annotations

from mediashelf.catalog.stats import (
    BAND_NAMES,
    BITRATE_BANDS,
    LOSSLESS_BAND,
    TAG_FIELDS,
    UNKNOWN_BAND,
)
from mediashelf.stats.figures import TOP_N, compute_stats, figures, share_of

__all__ = [
    "BAND_NAMES",
    "BITRATE_BANDS",
    "LOSSLESS_BAND",
    "TAG_FIELDS",
    "TOP_N",
    "UNKNOWN_BAND",
    "compute_stats",
    "figures",
    "share_of",
]
