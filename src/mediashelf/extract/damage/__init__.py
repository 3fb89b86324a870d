"""Damage: what a file's own structure says is wrong with it, found without decoding.

Each check compares sizes a file declares with the file that is there (an ID3 tag
longer than the file, a FLAC stream that ends before its STREAMINFO's last sample,
an MP4 `mdat` running past the end, a JPEG without its end marker ...) and returns
`Finding`s: a short reason from `REASONS` and a sentence saying what was found.
The checks read a few headers and the file's tail, never the media data.

A reader puts the reasons in its `damage` field (a sorted list), the sentences in
`extra._warnings`, and, through `settle`, never keeps a value a damaged structure
produced: the duration and bitrate of a truncated stream are null, not a number
the header happened to hold.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from mediashelf.model import DAMAGE_REASONS

#: the reasons, in the order they are shown (the model's: the catalog orders them too)
REASONS: Final = DAMAGE_REASONS
#: reasons after which the stream's declared length is not a fact about the file (a
#: frame running past the end of its tag leaves the audio after the tag whole; a tag
#: running past the end of the file leaves no audio, which is `audio-missing`)
UNTRUSTED_LENGTH: Final = frozenset(("truncated", "bad-header", "audio-missing"))
#: the stream fields that come from declared lengths
LENGTH_FIELDS: Final = ("duration", "bitrate")


class Finding(NamedTuple):
    reason: str
    message: str
    #: the damage lies outside what the lengths are read from (a metadata chunk cut
    #: short after a whole audio chunk): duration and bitrate are kept
    lengths_intact: bool = False


def reasons(findings: list[Finding]) -> list[str]:
    """The distinct reasons of `findings`, in `REASONS` order."""
    found = {f.reason for f in findings}
    return [r for r in REASONS if r in found]


def settle(fields: dict[str, object], extra: dict[str, Any], findings: list[Finding]) -> None:
    """Record `findings` on a reader's result, in place: the `damage` field, the
    messages in `extra._warnings`, and the length fields dropped when the structure
    they were read from is damaged."""
    if not findings:
        return
    damage = reasons(findings)
    fields["damage"] = damage
    if any(f.reason in UNTRUSTED_LENGTH and not f.lengths_intact for f in findings):
        for name in LENGTH_FIELDS:
            if fields.pop(name, None) is not None:
                extra.setdefault("_unread", [])
                unread = extra["_unread"]
                if isinstance(unread, list):
                    unread.append(name)
    old = extra.get("_warnings")
    warnings = list(old) if isinstance(old, list) else []
    for f in findings:
        if f.message not in warnings:
            warnings.append(f.message)
    extra["_warnings"] = warnings[:50]
