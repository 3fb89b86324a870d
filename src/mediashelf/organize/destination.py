"""Where each file goes: its template chosen by query, rendered, sanitised, kept in DEST.

Every value a template inserts is sanitised on its own first, so a `/` in a tag can
never make a folder; the rendered path is then built component by component and
checked to be inside DEST.  The folder part of a path repeats for every track of an
album: it is rendered and built once per album, and only the file name per item.
"""

from __future__ import annotations

import os
from typing import Any

from mediashelf.catalog.dialect import Compiled
from mediashelf.config import OrganizeSettings
from mediashelf.organize.presets import DEFAULT_TEMPLATES, PRESETS
from mediashelf.query import compile_query
from mediashelf.query.parse import parse_string
from mediashelf.template import engine as tmpl
from mediashelf.template.destination import build_destination
from mediashelf.template.sanitize import (
    DEFAULT_REPLACEMENTS,
    build_replacements,
    sanitize_component,
    sanitize_value,
)
from mediashelf.template.unique import AUNIQUE_INPUTS, Uniques
from mediashelf.template.values import NEEDED, ORGANIZE_FIELDS, item_values, sources


def _key_columns(part: tmpl.Template) -> tuple[str, ...] | None:
    """Every column the rendering of `part` depends on (a memo key for it), or None
    when that is not known in advance (%aunique with fields of its own, %sunique)."""
    if "sunique" in part.calls or (
        "aunique" in part.calls and "%aunique{}" not in part.source.replace(" [folder]", "")
    ):
        return None
    cols = sources(part.fields)
    if "aunique" in part.calls:
        cols.update(AUNIQUE_INPUTS)
    return tuple(sorted(cols))


class Destinations:
    """The templates of a plan, and the destination of each item under DEST."""

    def __init__(
        self,
        dest: bytes,
        settings: OrganizeSettings,
        uniques: Uniques,
        *,
        template: str | None = None,
        preset: str | None = None,
    ) -> None:
        self.dest = dest
        self.replacements = (
            DEFAULT_REPLACEMENTS
            if settings.replace is None
            else build_replacements(settings.replace, setting="[organize] replace")
        )
        self.normalization = settings.normalization
        pairs = (
            [("", template)]
            if template
            else list(PRESETS[preset])
            if preset
            else list(settings.templates or DEFAULT_TEMPLATES)
        )
        #: (query, template) pairs, first match wins
        self.templates = [(query, tmpl.parse(text, ORGANIZE_FIELDS)) for query, text in pairs]
        self.uniques = uniques
        fields: set[str] = set()
        for _, t in self.templates:
            fields |= t.fields
        #: the catalog columns the templates read
        self.columns = sorted({*sources(fields), *NEEDED})
        self.checked_dirs: set[bytes] = set()  # folders found inside DEST
        self.missing_dirs: set[bytes] = set()  # folders found not to exist yet
        self._cleaned: dict[str, str] = {}
        self._folders: dict[str, bytes] = {}
        self._folder_texts: dict[tuple[Any, ...], str] = {}
        self._splits: dict[int, tuple[tmpl.Template, tmpl.Template, tuple[str, ...]]] = {}
        for _, t in self.templates:
            parts = t.split_folder()
            key_columns = _key_columns(parts[0]) if parts is not None else None
            if parts is not None and key_columns is not None:
                self._splits[id(t)] = (*parts, key_columns)

    def queries(self) -> list[Compiled]:
        """The templates' queries, in order: an item takes the first it matches."""
        return [compile_query(parse_string(text), missing=None) for text, _ in self.templates]

    def _clean(self, text: str) -> str:
        done = self._cleaned.get(text)
        if done is None:
            done = self._cleaned[text] = sanitize_value(text, self.replacements, self.normalization)
        return done

    def of(self, row: dict[str, Any], index: int) -> bytes:
        """The destination of an item (`row`) under template number `index`.
        Raises PlanError when it would be outside DEST or beyond the path limit."""
        template = self.templates[index][1]
        values = item_values(row, self._clean)
        funcs = self.uniques.functions(row, self._clean)
        split = self._splits.get(id(template))
        if split is None:
            rendered = template.render(values, funcs, clean=self._clean)
        else:
            # the folder part depends on album-level values only: rendered once per album
            folder_part, name_part, key_columns = split
            key = (id(template), *(row.get(c) for c in key_columns))
            folder_text = self._folder_texts.get(key)
            if folder_text is None:
                folder_text = self._folder_texts[key] = folder_part.render(
                    values, funcs, clean=self._clean
                )
            rendered = folder_text + "/" + name_part.render(values, funcs, clean=self._clean)
        ext = row["ext"] or ""
        # The folder part is built (sanitised, checked to be inside DEST) once, and only
        # the file name is done per item.  Paths near the length limit take the full
        # route, which shortens components.
        folder_text, _, name_text = rendered.rpartition("/")
        folder = self._folders.get(folder_text)
        if folder is None and folder_text:
            folder = os.path.dirname(self._build(folder_text + "/_", ""))
            self._folders[folder_text] = folder
        if folder is not None:
            name = os.fsencode(
                sanitize_component(name_text, self.replacements, self.normalization, 255, ext)
            )
            path = folder + b"/" + name
            if len(path) < 1024 and len(name) < 250:
                return path
        return self._build(rendered, ext)

    def _build(self, rendered: str, ext: str) -> bytes:
        return bytes(
            build_destination(
                self.dest,
                rendered,
                ext,
                replacements=self.replacements,
                normalization=self.normalization,
                check_final=False,
                checked=self.checked_dirs,
                missing=self.missing_dirs,
            )
        )
