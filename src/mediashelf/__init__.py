"""mediashelf: index and organize large personal media libraries."""

__version__ = "0.1.0"
