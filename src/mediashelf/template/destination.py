"""A destination path under DEST from a rendered template, and the checks that keep it there.

`build_destination` joins the sanitised components (sanitize.py) under DEST, keeps
the whole path within the OS limit and refuses (`PathEscape`) any result that would
land outside DEST, lexically or through a symlinked directory; `ensure_inside` is
that last check on its own, for the moment before a file is touched.
"""

from __future__ import annotations

import bisect
import functools
import os
import stat

from mediashelf.errors import PathEscape, PlanError
from mediashelf.template.sanitize import (
    DEFAULT_REPLACEMENTS,
    MIN_COMPONENT_BYTES,
    NAME_MAX,
    PATH_MAX_FALLBACK,
    Replacements,
    check_normalization,
    sanitize_component,
    sanitize_extension,
)


def _existing_ancestor(path: bytes) -> bytes | None:
    """The deepest path on the way to `path` (itself included) that exists, if any."""
    while True:
        if os.path.lexists(path):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


@functools.lru_cache(maxsize=64)
def _pathconf(path: bytes, name: str, fallback: int) -> int:
    where = _existing_ancestor(path)
    if where is None:
        return fallback
    try:
        value = os.pathconf(where, name)
    except (OSError, ValueError):
        return fallback
    return value if value > 0 else fallback


def _inside(path: bytes, root: bytes) -> bool:
    return path == root or path.startswith(root if root.endswith(b"/") else root + b"/")


def ensure_inside(
    dest_root: bytes,
    path: bytes,
    *,
    check_final: bool = True,
    checked: set[bytes] | None = None,
    missing: set[bytes] | None = None,
) -> bytes:
    """`path` normalized, or `PathEscape` if it is not strictly inside `dest_root`.

    Lexically (after `normpath`), and through the file system: every existing entry on
    the way below DEST that is a symlink (the file itself included) must resolve, with
    `realpath`, inside `realpath(DEST)`, so a symlinked folder inside DEST that leads
    elsewhere is refused.  DEST itself may be a symlink.  Call it again just before
    touching the disk: the file system may have changed since the plan was made.
    `check_final=False` leaves out the file itself, for callers that never write
    through an existing destination (organize's operations never replace a file).
    `checked`: folders already found safe by earlier calls of the same plan (they are
    not looked at again) and, on return, the ones this call found safe; `missing`
    likewise remembers folders found not to exist (for a plan, made before any exist).
    """
    root = os.path.normpath(os.path.abspath(dest_root))
    norm = os.path.normpath(path)
    shown = os.fsdecode(path)
    if not os.path.isabs(path) or norm == root or not _inside(norm, root):
        raise PathEscape(f"destination {shown!r} is not inside {os.fsdecode(root)!r}")
    real_root: bytes | None = None
    current = root
    for name in norm[len(root) :].split(b"/"):
        if not name:
            continue
        current = os.path.join(current, name)
        if checked is not None and current in checked:
            continue
        if missing is not None and current in missing:
            break
        try:
            mode = os.lstat(current).st_mode
        except OSError:  # missing (or not a folder): nothing deeper exists
            if missing is not None and current != norm:
                missing.add(current)
            break
        if stat.S_ISLNK(mode) and (check_final or current != norm):
            real_root = real_root or os.path.realpath(root)
            target = os.path.realpath(current)
            if not _inside(target, real_root):
                raise PathEscape(
                    f"destination {shown!r} leads outside {os.fsdecode(root)!r} through "
                    f"{os.fsdecode(current)!r}, a symlink to {os.fsdecode(target)!r}"
                )
        if checked is not None and current != norm:
            checked.add(current)
    return norm


class PathTooLong(PlanError):
    """A destination cannot fit the OS path limit even with its components shortened."""


def _budgets(sizes: list[int], floors: list[int], room: int) -> list[int] | None:
    """Per-component byte budgets, cutting the longest first, so that sum ≤ room."""
    if sum(sizes) <= room:
        return sizes
    if sum(floors) > room:
        return None

    def total(level: int) -> int:
        return sum(min(s, max(level, f)) for s, f in zip(sizes, floors, strict=True))

    # the highest level at which every component longer than it is cut down to it
    level = bisect.bisect_right(range(max(sizes) + 1), room, key=total) - 1
    return [min(s, max(level, f)) for s, f in zip(sizes, floors, strict=True)]


def build_destination(
    dest_root: bytes,
    rendered: str,
    ext: str,
    replacements: Replacements = DEFAULT_REPLACEMENTS,
    normalization: str = "NFC",
    *,
    max_component_bytes: int | None = None,
    path_max: int | None = None,
    check_final: bool = True,
    checked: set[bytes] | None = None,
    missing: set[bytes] | None = None,
) -> bytes:
    """DEST + the rendered template + `.ext`, as a bytes path that is inside DEST.

    `rendered` is the template rendered with sanitised values; its `/` are the
    template's own folder separators.  Each component is sanitised (the last keeps the
    lower-cased extension), the whole path is kept under the OS limit (`PC_PATH_MAX`,
    else 4096, or `path_max`) by shortening the longest components first, and the
    result is checked with `ensure_inside`.  Raises `PathTooLong` or `PathEscape`;
    never returns a path outside DEST.
    """
    form = check_normalization(normalization)
    root = os.path.normpath(os.path.abspath(dest_root))
    name_max = max_component_bytes or min(NAME_MAX, _pathconf(root, "PC_NAME_MAX", NAME_MAX))
    limit = (path_max or _pathconf(root, "PC_PATH_MAX", PATH_MAX_FALLBACK)) - 1  # NUL
    clean_ext = sanitize_extension(ext) or None
    parts = rendered.split("/")
    last = len(parts) - 1

    def component(i: int, max_bytes: int) -> bytes:
        keep = clean_ext if i == last else None
        return os.fsencode(sanitize_component(parts[i], replacements, form, max_bytes, keep))

    names = [component(i, name_max) for i in range(len(parts))]
    separators = len(names) - 1 if root.endswith(b"/") else len(names)
    room = limit - len(root) - separators
    suffix = len(clean_ext) + 1 if clean_ext else 0
    sizes = [len(n) for n in names]
    floors = [
        min(s, MIN_COMPONENT_BYTES + (suffix if i == last else 0)) for i, s in enumerate(sizes)
    ]
    budgets = _budgets(sizes, floors, room)
    if budgets is None:
        raise PathTooLong(
            f"destination for {rendered[:200]!r} cannot fit the {limit + 1}-byte path limit "
            f"under {os.fsdecode(root)!r}, even with every folder cut to {MIN_COMPONENT_BYTES} "
            "bytes: use a shorter template or destination"
        )
    names = [
        n if b == len(n) else component(i, b)
        for i, (n, b) in enumerate(zip(names, budgets, strict=True))
    ]
    return ensure_inside(
        root,
        os.path.join(root, *names),
        check_final=check_final,
        checked=checked,
        missing=missing,
    )
