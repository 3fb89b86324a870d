"""Safe destination paths from untrusted tag values.

Tag values, file names and EXIF come from strangers, so a destination is built in
three steps, each with its own guarantee:

1. `sanitize_value` cleans every field value *before* it is inserted into the
   template, so a `/` (or `\\`) inside a tag can never create a folder (and the
   template engine holds what its functions make of values to the same rule).
2. `sanitize_component` cleans each component of the rendered path: the replacement
   table, then rules that hold whatever the table says (no separators, no control
   characters, no `.`/`..`/empty names, no trailing dots or spaces, no Windows device
   names, Unicode normalized, at most `max_bytes` UTF-8 bytes, cut between grapheme
   clusters and before the extension).
3. `build_destination` (destination.py) joins the components under DEST, keeps the
   whole path within the OS limit and refuses (`PathEscape`) any result that would
   land outside DEST, lexically or through a symlinked directory.

Nothing here expands `~`, `$VARS` or globs: a tag `~` is a folder named `~`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final, Literal, cast

import regex

from mediashelf.errors import ConfigError

Normalization = Literal["NFC", "NFD", "NFKC", "NFKD", "none"]
#: one rule of the replacement table: every match of the pattern is replaced
#: (`re.sub` semantics, so `\g<1>` refers to a group)
Replacement = tuple[re.Pattern[str], str]
Replacements = tuple[Replacement, ...]

#: Windows device names, reserved with any extension and in any case (`con.txt`, `Aux`);
#: COM0/LPT0 and the superscript digits are reserved too on current Windows.
_RESERVED_PATTERN: Final = r"(?i)^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(?=\s*(?:\.|$))"

#: beets' `replace` defaults, adapted: whitespace controls become a space and other
#: control characters (C0, DEL, C1) are dropped, so NUL-padded tags don't end in `_`;
#: trailing dots and whitespace are trimmed (as Windows itself does) rather than turned
#: into `_`; Windows device names get a `_` suffix.
DEFAULT_REPLACEMENT_TABLE: Final[tuple[tuple[str, str], ...]] = (
    (r"[\\/]", "_"),  # separators: Linux/macOS `/`, Windows and SMB `\`
    (r"[\t\n\v\f\r]+", " "),  # line breaks and tabs
    (r"[\x00-\x1f\x7f-\x9f]", ""),  # other control characters
    (r'[<>:"?*|]', "_"),  # reserved on Windows and SMB shares (`:` on macOS too)
    (r"^\s+", ""),  # leading whitespace
    (r"^\.", "_"),  # leading dot: hidden on Unix, and `.`/`..`
    (r"[\s.]+$", ""),  # trailing dots and whitespace: Windows drops them
    (r"^-", "_"),  # leading dash: read as an option by command-line tools
    (_RESERVED_PATTERN, r"\g<1>_"),  # CON, con.txt, LPT9 → CON_, con_.txt, LPT9_
)

FORMS: Final = ("NFC", "NFD", "NFKC", "NFKD", "none")
NAME_MAX: Final = 255
PATH_MAX_FALLBACK: Final = 4096
EXT_MAX: Final = 16
#: when the whole path is too long, no component is cut below this many bytes
MIN_COMPONENT_BYTES: Final = 16

_HARD_TABLE: Final[dict[int, str | None]] = {
    ord("/"): "_",
    ord("\\"): "_",
    **{c: None for c in (*range(0x20), *range(0x7F, 0xA0))},
}
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATES: Final = re.compile(r"[\ud800-\udfff]")
_TRAILING: Final = re.compile(r"[ .]+$")
_RESERVED: Final = re.compile(_RESERVED_PATTERN)
_EXT_JUNK: Final = re.compile(r"[^a-z0-9]")
_GRAPHEME: Final = regex.compile(r"\X")


def build_replacements(
    table: Mapping[str, str] | Iterable[tuple[str, str]] | None, *, setting: str = "replace"
) -> Replacements:
    """An ordered replacement table from settings (regex → replacement), validated.

    `None` (nothing configured) gives `DEFAULT_REPLACEMENTS`; a table replaces the
    defaults entirely, as beets' `replace` does (an empty one keeps only the rules that
    always hold).

    A bad regex, a bad group reference or a replacement containing a path separator or
    a control character is a `ConfigError` naming the offending entry.
    """
    if table is None:
        return DEFAULT_REPLACEMENTS
    pairs = table.items() if isinstance(table, Mapping) else table
    rules: list[Replacement] = []
    for entry in pairs:
        try:
            pattern, repl = entry
        except (TypeError, ValueError):
            raise ConfigError(f"{setting}: entries map a regex to a text, got {entry!r}") from None
        if not isinstance(pattern, str) or not isinstance(repl, str):
            raise ConfigError(f"{setting}: entries map a regex to a text, got {entry!r}")
        try:
            compiled = re.compile(pattern)
            compiled.sub(repl, "")  # compiles the replacement's group references
        except (re.error, IndexError) as e:
            raise ConfigError(f"{setting}: bad regex or replacement {pattern!r}: {e}") from None
        if "/" in repl or _CONTROLS.search(repl):
            raise ConfigError(
                f"{setting}: the replacement for {pattern!r} ({repl!r}) may not contain "
                "a path separator or a control character"
            )
        rules.append((compiled, repl))
    return tuple(rules)


DEFAULT_REPLACEMENTS: Final[Replacements] = build_replacements(DEFAULT_REPLACEMENT_TABLE)


@functools.lru_cache(maxsize=16)
def check_normalization(form: str) -> Normalization:
    """`form` if it is a Unicode normalization form (or `none`), else a `ConfigError`."""
    upper = "none" if form.lower() == "none" else form.upper()
    if upper not in FORMS:
        raise ConfigError(f"unknown Unicode normalization {form!r} (use one of {', '.join(FORMS)})")
    return cast(Normalization, upper)


def _normalize(form: Normalization, text: str) -> str:
    return text if form == "none" else unicodedata.normalize(form, text)


def _hard(text: str) -> str:
    """What holds whatever the table says: no separators, controls or lone surrogates."""
    text = text.translate(_HARD_TABLE)
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


#: a text the default table would change somewhere (anything else is returned as is)
_DEFAULT_WORK: Final = re.compile(
    r'[\\/\x00-\x1f\x7f-\x9f<>:"?*|\ud800-\udfff]|^[\s.\-]|[\s.]$|(?i:'
    + _RESERVED_PATTERN[4:]
    + ")"
)


@functools.lru_cache(maxsize=1 << 16)
def _clean(text: str, replacements: Replacements, form: Normalization) -> str:
    # Fast path (measured: most tag values need nothing, and planning a large library
    # spent most of its time here): with the default table, a value that none of its
    # patterns touch and that is already normalized comes back unchanged.
    if (
        replacements is DEFAULT_REPLACEMENTS
        and not _DEFAULT_WORK.search(text)
        and (text.isascii() or form == "none" or unicodedata.is_normalized(form, text))
    ):
        return text
    text = _normalize(form, _SURROGATES.sub("\ufffd", text))
    for pattern, repl in replacements:
        text = pattern.sub(repl, text)
    # Removing a character can leave a string that is no longer normalized, and the
    # compatibility forms can turn a fullwidth solidus into `/`: repeat until stable.
    text = _hard(text)
    for _ in range(4):
        again = _hard(_normalize(form, text))
        if again == text:
            break
        text = again
    return text


def sanitize_value(
    text: str, replacements: Replacements = DEFAULT_REPLACEMENTS, normalization: str = "NFC"
) -> str:
    """One field value, made safe to insert into a path template.

    Separators are always replaced (never kept), control characters dropped, the
    replacement table applied and the text normalized.  The result may be empty (an
    unknown or all-junk value); the component it ends up in is cleaned again.
    """
    return _clean(text, replacements, check_normalization(normalization))


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def truncate_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` within `max_bytes` UTF-8 bytes.

    Cut between grapheme clusters (an emoji sequence, a flag, a letter with its accents
    stays whole); only when the first cluster alone is too long is it cut between code
    points.  Never cuts inside a character.
    """
    if _utf8_len(text) <= max_bytes:
        return text
    used = 0
    end = 0
    for match in _GRAPHEME.finditer(text):
        size = _utf8_len(match.group())
        if used + size > max_bytes:
            break
        used += size
        end = match.end()
    if end:
        return text[:end]
    out = []
    for ch in text:
        used += _utf8_len(ch)
        if used > max_bytes:
            break
        out.append(ch)
    return "".join(out)


def sanitize_extension(ext: str) -> str:
    """A file extension as stored in a destination: lower case, ASCII letters and digits."""
    return _EXT_JUNK.sub("", ext.lower())[:EXT_MAX]


def _finish(stem: str, budget: int, form: Normalization) -> str:
    """Truncate, then fix what truncation or the table may have left behind."""
    for _ in range(4):
        stem = truncate_utf8(stem, budget)
        stem = _TRAILING.sub("", stem)
        if not stem:
            return "_"
        if _RESERVED.match(stem):
            stem = _TRAILING.sub("", truncate_utf8(_RESERVED.sub(r"\g<1>_", stem, 1), budget))
            if not stem or _RESERVED.match(stem):
                return "_"
        normal = _hard(_normalize(form, stem))
        if normal == stem:
            return stem
        stem = normal
    return stem


@functools.lru_cache(maxsize=1 << 16)  # folder components repeat across a whole album
def sanitize_component(
    component: str,
    replacements: Replacements = DEFAULT_REPLACEMENTS,
    normalization: str = "NFC",
    max_bytes: int = NAME_MAX,
    keep_ext: str | None = None,
) -> str:
    """One component of a rendered path, made safe on Linux, Windows, macOS and SMB.

    With `keep_ext` (an extension, with or without its dot), the result is
    `<stem>.<ext>` where only the stem is shortened, so the extension survives.
    """
    form = check_normalization(normalization)
    ext = sanitize_extension(keep_ext) if keep_ext else ""
    suffix = f".{ext}" if ext else ""
    budget = max_bytes - len(suffix)
    if budget < 1:
        raise ValueError(f"max_bytes={max_bytes} leaves no room for a name before {suffix!r}")
    return _finish(_clean(component, replacements, form), budget, form) + suffix
