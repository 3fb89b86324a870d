"""Catalog items + templates → a Plan: every file operation, decided before any is done.

`make_plan` has no side effects: it reads the catalog and looks at the disk (does a
destination exist? is it the same file?), and returns the full list of operations
with the conflicts it found and how they are resolved.  `--dry-run` prints it;
apply.py executes exactly it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mediashelf.catalog import Catalog
from mediashelf.config import OrganizeSettings
from mediashelf.errors import ConfigError, PlanError
from mediashelf.organize.fileops import same_bytes
from mediashelf.query import compile_query, parse
from mediashelf.template import engine as tmpl
from mediashelf.template.unique import Uniques
from mediashelf.template.values import NEEDED, ORGANIZE_FIELDS, item_values, sources

Mode = Literal["move", "copy", "hardlink", "symlink", "reflink"]
MODES: Final = ("move", "copy", "hardlink", "symlink", "reflink")
Strategy = Literal["skip", "replace", "rename", "keep-both"]
STRATEGIES: Final = ("skip", "replace", "rename", "keep-both")

#: (query, template), first match wins
DEFAULT_TEMPLATES: Final = (
    ("kind:audio compilation:true", "Compilations/$album%aunique{}/$track $title"),
    ("kind:audio -album:", "$albumartist/$album%aunique{}/%if{$multidisc,$disc-}$track $title"),
    ("kind:audio", "Non-Album/$artist/$title"),
    ("kind:image has:ai", "AI/$ai_tool/$year-$month-$day/$stem"),
    ("kind:image", "Photos/$year/$year-$month-$day/$stem"),
    ("kind:video", "Videos/$year/$year-$month-$day/$stem"),
)
#: named template sets for `--preset`
PRESETS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "default": DEFAULT_TEMPLATES,
    # the layout AI-image organizers use: day / project / source
    "ai-dated": (
        ("kind:image has:ai", "$year-$month-$day/$folder/$ai_tool/$stem"),
        ("kind:image", "$year-$month-$day/$folder/camera/$stem"),
        ("kind:video", "$year-$month-$day/$folder/video/$stem"),
    ),
    "photos-by-date": (
        ("kind:image", "$year/$year-$month-$day/$stem"),
        ("kind:video", "$year/$year-$month-$day/$stem"),
    ),
}
#: the folder, inside DEST, where files replaced by `--on-conflict replace` are kept
REPLACED_DIR: Final = b".mediashelf-replaced"
#: extensions of the sidecars a photo or video keeps beside it, after its own name
_PHOTO_SIDECARS: Final = (b".xmp", b".json", b".supplemental-metadata.json")


@dataclass(frozen=True, slots=True)
class Op:
    """One file operation.  `aside`: where an existing file at `dst` is moved first."""

    action: Mode
    src: bytes
    dst: bytes
    size: int
    mtime_ns: int
    item_id: int | None
    sidecar: bool = False
    aside: bytes | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    src: bytes
    dst: bytes
    reason: str


@dataclass(slots=True)
class Plan:
    dest: bytes
    mode: Mode
    ops: list[Op] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    in_place: int = 0
    identical: int = 0
    unmatched: int = 0  # matching items no template applies to
    dirs: list[bytes] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "operations": len(self.ops),
            "files": sum(1 for op in self.ops if not op.sidecar),
            "sidecars": sum(1 for op in self.ops if op.sidecar),
            "replaced": sum(1 for op in self.ops if op.aside),
            "conflicts": len(self.conflicts),
            "in_place": self.in_place,
            "identical": self.identical,
            "unmatched": self.unmatched,
            "folders": len(self.dirs),
            "bytes": sum(op.size for op in self.ops),
        }


@dataclass(frozen=True, slots=True)
class Request:
    query: Sequence[str]
    dest: bytes
    mode: Mode = "move"
    on_conflict: Strategy = "skip"
    skip_identical: bool = False
    template: str | None = None  # overrides the template set
    preset: str | None = None  # a named template set instead of the settings' one
    sidecars: bool = True


def _numbered(path: bytes, taken: set[bytes], n: int = 1) -> bytes:
    """`name (n).ext` for the first n free on disk and in the plan."""
    base, ext = os.path.splitext(path)
    while True:
        candidate = base + f" ({n})".encode() + ext
        if candidate not in taken and not os.path.lexists(candidate):
            return candidate
        n += 1


class _Planner:
    def __init__(self, catalog: Catalog, req: Request, settings: OrganizeSettings) -> None:
        from mediashelf.template import sanitize

        self.catalog = catalog
        self.db = catalog.db
        self.req = req
        self.dest = os.path.normpath(os.path.abspath(req.dest))
        self.replacements = (
            sanitize.DEFAULT_REPLACEMENTS
            if settings.replace is None
            else sanitize.build_replacements(settings.replace, setting="[organize] replace")
        )
        self.normalization = settings.normalization
        pairs = (
            [("", req.template)]
            if req.template
            else list(PRESETS[req.preset])
            if req.preset
            else list(settings.templates or DEFAULT_TEMPLATES)
        )
        self.templates = []
        for query_text, text in pairs:
            self.templates.append((query_text, tmpl.parse(text, ORGANIZE_FIELDS)))
        self.uniques = Uniques(catalog)
        fields: set[str] = set()
        for _, t in self.templates:
            fields |= t.fields
        self.columns = sorted({*sources(fields), *NEEDED})
        self.plan = Plan(self.dest, req.mode)
        self.taken: dict[bytes, bytes] = {}  # destination (case-folded) → source
        self.sources: set[bytes] = set()
        self.waiting: set[bytes] = set()  # destinations occupied by files that move away
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

    def _clean(self, text: str) -> str:
        from mediashelf.template.sanitize import sanitize_value

        done = self._cleaned.get(text)
        if done is None:
            done = self._cleaned[text] = sanitize_value(text, self.replacements, self.normalization)
        return done

    def _rows(self) -> list[tuple[int | None, dict[str, Any]]]:
        """Matching items with the index of the template each one takes (None: none).

        One statement: the user's query picks the items, a CASE over the templates'
        queries (first match wins) picks each one's template.
        """
        from mediashelf.query.parse import parse_string

        user = compile_query(parse(list(self.req.query)), missing=False)
        with self.catalog.querying(user) as q:
            cases, params = [], []
            for i, (query_text, _) in enumerate(self.templates):
                c = self.catalog.dialect.render(
                    compile_query(parse_string(query_text), missing=None)
                )
                cases.append(f"WHEN {c.where} THEN {i}")
                params += c.params
            columns = ", ".join(self.columns)
            sql = (
                f"SELECT {columns}, CASE {' '.join(cases)} END FROM items "
                f"WHERE {q.where} ORDER BY path"
            )
            cur = self.db.execute(sql, [*params, *q.params])
            return [(r[-1], dict(zip(self.columns, r, strict=False))) for r in cur]

    def destination(self, row: dict[str, Any], template: tmpl.Template) -> bytes:
        from mediashelf.template.destination import build_destination
        from mediashelf.template.sanitize import sanitize_component

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
        # The folder part repeats for every track of an album: it is built (sanitised,
        # checked to be inside DEST) once, and only the file name is done per item.
        # Paths near the length limit take the full route, which shortens components.
        folder_text, _, name_text = rendered.rpartition("/")
        folder = self._folders.get(folder_text)
        if folder is None and folder_text:
            folder = os.path.dirname(self._build(build_destination, folder_text + "/_", ""))
            self._folders[folder_text] = folder
        if folder is not None:
            name = os.fsencode(
                sanitize_component(name_text, self.replacements, self.normalization, 255, ext)
            )
            path = folder + b"/" + name
            if len(path) < 1024 and len(name) < 250:
                return path
        return self._build(build_destination, rendered, ext)

    def _build(self, build: Any, rendered: str, ext: str) -> bytes:
        return bytes(
            build(
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

    def add(
        self,
        src: bytes,
        dst: bytes,
        size: int,
        mtime_ns: int,
        item_id: int | None,
        *,
        sidecar: bool = False,
    ) -> bool:
        """Add one operation, resolving conflicts; False when it was not added."""
        req = self.req
        if src == dst:
            self.plan.in_place += 1
            return False
        key = os.fsencode(os.fsdecode(dst).casefold())
        if key in self.taken:  # another file of this plan goes there
            if req.on_conflict in ("rename", "keep-both"):
                dst = _numbered(dst, set(self.taken))
                key = os.fsencode(os.fsdecode(dst).casefold())
            else:
                self.plan.conflicts.append(
                    Conflict(
                        src,
                        dst,
                        f"another file of this run goes there: {os.fsdecode(self.taken[key])}",
                    )
                )
                return False
        aside = None
        try:
            # a file in a folder that does not exist yet cannot exist either
            st = None if os.path.dirname(dst) in self.missing_dirs else os.lstat(dst)
        except FileNotFoundError:
            st = None
        except OSError as e:
            self.plan.conflicts.append(
                Conflict(src, dst, f"cannot check the destination: {e.strerror}")
            )
            return False
        waits = False
        if st is not None and req.mode == "move" and dst in self.sources:
            waits = True  # another file that moves away this run; checked in _order
        elif st is not None:
            try:
                src_st = os.lstat(src)
            except OSError:
                src_st = None
            if src_st is not None and self._already_there(src, src_st, dst, st):
                self.plan.in_place += 1
                return False
            if req.skip_identical and same_bytes(src, dst):
                self.plan.identical += 1
                return False
            if req.on_conflict == "skip":
                self.plan.conflicts.append(Conflict(src, dst, "a file already exists there"))
                return False
            if req.on_conflict == "keep-both":
                dst = _numbered(dst, set(self.taken))
                key = os.fsencode(os.fsdecode(dst).casefold())
            elif req.on_conflict == "rename":
                aside = _numbered(dst, set(self.taken))
            else:  # replace: the old file is kept under DEST/.mediashelf-replaced/
                rel = os.path.relpath(dst, self.dest)
                aside = os.path.join(self.dest, REPLACED_DIR, rel)
                if os.path.lexists(aside):
                    aside = _numbered(aside, set(self.taken))
        self.taken[key] = src
        if aside is not None:
            self.taken[os.fsencode(os.fsdecode(aside).casefold())] = dst
        action: Mode = req.mode
        self.plan.ops.append(Op(action, src, dst, size, mtime_ns, item_id, sidecar, aside))
        if waits:
            self.waiting.add(dst)
        return True

    def _already_there(
        self, src: bytes, src_st: os.stat_result, dst: bytes, st: os.stat_result
    ) -> bool:
        """The destination already is this file: the same inode, the symlink this mode
        makes, or (copying modes) a copy with the same size and modification time."""
        if (src_st.st_dev, src_st.st_ino) == (st.st_dev, st.st_ino):
            return True
        mode = self.req.mode
        if mode == "symlink":
            return os.path.islink(dst) and os.readlink(dst) == src
        if mode in ("copy", "reflink"):
            return (st.st_size, st.st_mtime_ns) == (src_st.st_size, src_st.st_mtime_ns)
        return False

    def build(self) -> Plan:
        rows = self._rows()
        media_folders: dict[bytes, set[bytes]] = defaultdict(set)  # src folder → dst folders
        planned: set[bytes] = set()
        pending: list[tuple[dict[str, Any], tmpl.Template]] = []
        for index, row in rows:
            if index is None:
                continue
            if row["kind"] == "audio":
                media_folders[os.path.dirname(row["path"])].add(b"")
            pending.append((row, self.templates[index][1]))
        self.sources = {row["path"] for row, _ in pending}
        photo_sidecars: list[tuple[bytes, bytes]] = []
        for row, template in pending:
            folder = os.path.dirname(row["path"])
            if row["kind"] != "audio" and folder in media_folders:
                continue  # an image in an album's folder goes with the album
            try:
                dst = self.destination(row, template)
            except PlanError as e:  # a destination outside DEST or beyond the path limit
                self.plan.conflicts.append(Conflict(row["path"], b"", str(e)))
                continue
            if self.add(row["path"], dst, row["size"], row["mtime_ns"], row["id"]):
                planned.add(row["path"])
                if row["kind"] == "audio":
                    media_folders[folder].add(os.path.dirname(self.plan.ops[-1].dst))
                elif self.req.sidecars:
                    photo_sidecars.append((row["path"], self.plan.ops[-1].dst))
        self.plan.unmatched = sum(1 for index, _ in rows if index is None)
        if self.req.sidecars:
            self._album_sidecars(media_folders, planned)
            self._photo_sidecars(photo_sidecars, planned)
        self._order()
        self.plan.dirs = sorted(
            {os.path.dirname(op.dst) for op in self.plan.ops}
            | {os.path.dirname(op.aside) for op in self.plan.ops if op.aside}
        )
        return self.plan

    def _album_sidecars(self, media_folders: dict[bytes, set[bytes]], planned: set[bytes]) -> None:
        """Other files of a folder whose tracks all go to one folder go with them."""
        targets: dict[bytes, bytes] = {}
        for folder, dests in media_folders.items():
            dests = dests - {b""}
            if len(dests) == 1:
                (target,) = dests
                if target != folder:
                    targets[folder] = target
        if not targets:
            return
        rows = self.db.execute(
            "SELECT i.id, i.path, i.size, i.mtime_ns, f.path FROM items i "
            "JOIN folders f ON f.id = i.folder_id WHERE i.kind != 'audio' AND i.missing = 0 "
            "ORDER BY i.path"
        )
        for rid, path, size, mtime_ns, folder in rows:
            goes_to = targets.get(folder)
            if goes_to is None or path in planned:
                continue
            dst = os.path.join(goes_to, os.path.basename(path))
            self.add(path, dst, size, mtime_ns, rid, sidecar=True)

    def _photo_sidecars(self, moves: list[tuple[bytes, bytes]], planned: set[bytes]) -> None:
        """`IMG_1.jpg.xmp`, `IMG_1.xmp`, Takeout's `IMG_1.jpg.json` follow their photo.

        The scan catalogues sidecars (kind "other"), so one query finds them all; no
        file is looked at per photo.
        """
        if not moves:
            return
        sidecars = {
            path: (rid, size, mtime_ns)
            for rid, path, size, mtime_ns in self.db.execute(
                "SELECT id, path, size, mtime_ns FROM items "
                "WHERE ext IN ('xmp', 'json') AND missing = 0"
            )
        }
        for src, dst in moves:
            stem, dst_stem = os.path.splitext(src)[0], os.path.splitext(dst)[0]
            for suffix in _PHOTO_SIDECARS:
                for old, new in ((src + suffix, dst + suffix), (stem + suffix, dst_stem + suffix)):
                    found = sidecars.get(old)
                    if found is None or old in planned:
                        continue
                    rid, size, mtime_ns = found
                    if self.add(old, new, size, mtime_ns, rid, sidecar=True):
                        planned.add(old)

    def _order(self) -> None:
        """An operation whose destination is another's source waits for that one."""
        by_src = {op.src: op for op in self.plan.ops}
        ops = []
        for op in self.plan.ops:
            if op.dst in self.waiting and op.dst not in by_src:  # that file stays after all
                self.plan.conflicts.append(Conflict(op.src, op.dst, "a file already exists there"))
            else:
                ops.append(op)
        self.plan.ops = ops
        by_src = {op.src: op for op in ops}
        if not any(op.dst in by_src for op in ops):
            return
        done: list[Op] = []
        placed: set[bytes] = set()
        waiting = list(ops)
        while waiting:
            progress = False
            rest = []
            for op in waiting:
                blocker = by_src.get(op.dst)
                if blocker is None or blocker.src in placed or blocker is op:
                    done.append(op)
                    placed.add(op.src)
                    progress = True
                else:
                    rest.append(op)
            if not progress:  # a cycle (a swap): those files stay where they are
                for op in rest:
                    self.plan.conflicts.append(
                        Conflict(op.src, op.dst, "part of a cycle of renames")
                    )
                break
            waiting = rest
        self.plan.ops = done


def _key_columns(part: tmpl.Template) -> tuple[str, ...] | None:
    """Every column the rendering of `part` depends on (a memo key for it), or None
    when that is not known in advance (%aunique with fields of its own, %sunique)."""
    from mediashelf.template.unique import AUNIQUE_INPUTS

    if "sunique" in part.calls or (
        "aunique" in part.calls and "%aunique{}" not in part.source.replace(" [folder]", "")
    ):
        return None
    cols = sources(part.fields)
    if "aunique" in part.calls:
        cols.update(AUNIQUE_INPUTS)
    return tuple(sorted(cols))


def make_plan(catalog: Catalog, req: Request, settings: OrganizeSettings) -> Plan:
    if req.mode not in MODES:
        raise ConfigError(f"--mode must be one of {', '.join(MODES)}")
    if req.preset is not None and req.preset not in PRESETS:
        raise ConfigError(f"--preset must be one of {', '.join(PRESETS)}")
    if req.on_conflict not in STRATEGIES:
        raise ConfigError(f"--on-conflict must be one of {', '.join(STRATEGIES)}")
    if not os.path.isabs(req.dest):
        raise PlanError("the destination must be an absolute path")
    return _Planner(catalog, req, settings).build()
