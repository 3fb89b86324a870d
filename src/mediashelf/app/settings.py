"""Settings as every use case gets them: loaded, merged, and checked through and through.

`config.load_settings` checks the shape and types of every value.  What only the
layers above it can judge, the `[organize]` templates (template syntax and fields) and
their queries, and the replacement table's regular expressions, is checked here, when
the settings load: a typo in the settings file is one clear line before any command
starts, never a surprise halfway through the first organize run.
"""

from __future__ import annotations

from typing import Any

from mediashelf.config import OrganizeSettings, Settings, load_settings
from mediashelf.errors import ConfigError, QueryError


def load(**options: Any) -> Settings:
    """`config.load_settings(**options)`, then the `[organize]` table checked in depth."""
    settings = load_settings(**options)
    check_organize(settings.organize, str(settings.config_path or "settings"))
    return settings


def check_organize(organize: OrganizeSettings, where: str) -> None:
    """Every template parses with known fields, every `match` query compiles, and the
    replacement table is valid; else a ConfigError naming the entry."""
    if not organize.templates and organize.replace is None:
        return  # nothing to check: the built-in templates are known good
    from mediashelf.query import compile_query
    from mediashelf.query.parse import parse_string
    from mediashelf.template import engine
    from mediashelf.template.sanitize import build_replacements
    from mediashelf.template.values import ORGANIZE_FIELDS

    for match, path in organize.templates:
        try:
            compile_query(parse_string(match), missing=None)
            engine.parse(path, ORGANIZE_FIELDS)
        except QueryError as e:
            raise ConfigError(
                f"{where} [organize] templates: {{match = {match!r}, path = {path!r}}}: {e}"
            ) from None
    if organize.replace is not None:
        build_replacements(organize.replace, setting=f"{where} [organize] replace")
