"""Templates: `$field` and `%func{}` text, parsed once, rendered per item, sanitised for paths.

syntax.py parses the text, engine.py checks names and renders, functions.py holds the
`%functions`, sanitize.py and destination.py make a rendered path safe under DEST,
values.py gives organize's values (defaults for missing tags, derived fields), and
unique.py %aunique and %sunique.
"""

from __future__ import annotations

from mediashelf.template.engine import Template, TemplateError, Values, parse

__all__ = ["Template", "TemplateError", "Values", "parse"]
