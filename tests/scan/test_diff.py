"""The diff stage: `diff_listing` is pure, so every class is checked on plain values."""

from __future__ import annotations

from mediashelf.model import FileStat, Listing
from mediashelf.scan.diff import ItemRow, ListingDiff, diff_listing, same_content_fingerprint

DIR = b"/music/Album"


def fs(name: bytes, size: int = 100, mtime: int = 1_000, dev: int = 1, ino: int = 10) -> FileStat:
    return FileStat(DIR + b"/" + name, size, mtime, dev, ino)


def row(rid: int, f: FileStat, *, missing: bool = False, **changes: int) -> ItemRow:
    values = {"size": f.size, "mtime_ns": f.mtime_ns, "dev": f.dev, "ino": f.ino, **changes}
    return ItemRow(
        rid, f.path, values["size"], values["mtime_ns"], values["dev"], values["ino"], missing
    )


def listing(*files: FileStat, complete: bool = True) -> Listing:
    rows = [(f.name, f.size, f.mtime_ns, f.dev, f.ino) for f in files]
    return Listing(DIR, rows, b"sig", complete)


def rows_of(*rows: ItemRow) -> dict[bytes, ItemRow]:
    return {r.path: r for r in rows}


def test_empty_folder_against_empty_catalog() -> None:
    assert diff_listing(listing(), {}) == ListingDiff()


def test_new_files_are_added() -> None:
    a, b = fs(b"a.mp3", ino=1), fs(b"b.mp3", ino=2)
    d = diff_listing(listing(a, b), {})
    assert d.added == [a, b]
    assert (d.unchanged, d.changed, d.missing, d.restored, d.refingerprint) == (0, [], [], [], [])


def test_same_size_and_mtime_is_unchanged() -> None:
    a = fs(b"a.mp3")
    d = diff_listing(listing(a), rows_of(row(7, a)))
    assert d.unchanged == 1
    assert (d.added, d.changed, d.missing, d.restored, d.refingerprint) == ([], [], [], [], [])


def test_size_or_mtime_difference_is_changed() -> None:
    a, b = fs(b"a.mp3", ino=1), fs(b"b.mp3", ino=2)
    rows = rows_of(row(1, a, size=99), row(2, b, mtime_ns=999))
    d = diff_listing(listing(a, b), rows)
    assert d.changed == [(1, a), (2, b)]
    assert d.unchanged == 0 and d.added == []


def test_full_rescan_treats_every_known_file_as_changed() -> None:
    a, new = fs(b"a.mp3", ino=1), fs(b"new.mp3", ino=2)
    d = diff_listing(listing(a, new), rows_of(row(1, a)), full=True)
    assert d.changed == [(1, a)]
    assert d.added == [new]
    assert d.unchanged == 0


def test_rows_without_a_file_are_missing() -> None:
    a, gone = fs(b"a.mp3", ino=1), fs(b"gone.mp3", ino=2)
    d = diff_listing(listing(a), rows_of(row(1, a), row(2, gone)))
    assert d.missing == [2]
    assert d.unchanged == 1


def test_rows_already_missing_are_not_reported_again() -> None:
    gone = fs(b"gone.mp3")
    d = diff_listing(listing(), rows_of(row(2, gone, missing=True)))
    assert d.missing == []


def test_a_file_back_at_a_missing_rows_path_is_restored() -> None:
    a = fs(b"a.mp3")
    d = diff_listing(listing(a), rows_of(row(4, a, missing=True)))
    assert d.restored == [(4, a)]
    assert d.added == [] and d.unchanged == 0 and d.changed == []


def test_same_fingerprint_on_another_inode_is_refingerprinted_not_reread() -> None:
    a = fs(b"a.mp3", dev=1, ino=10)
    d = diff_listing(listing(a), rows_of(row(3, a, ino=99)))
    assert d.refingerprint == [(3, a)]
    assert d.unchanged == 1
    assert d.changed == []
    d = diff_listing(listing(a), rows_of(row(3, a, dev=2)))
    assert d.refingerprint == [(3, a)]


def test_partial_listing_never_reports_siblings_missing() -> None:
    a, sibling = fs(b"a.mp3", ino=1), fs(b"sibling.mp3", ino=2)
    rows = rows_of(row(1, a), row(2, sibling))
    d = diff_listing(listing(a, complete=False), rows)
    assert d.missing == []
    assert d.unchanged == 1
    # a partial listing still classifies the files it holds
    changed = fs(b"a.mp3", ino=1, size=5)
    d = diff_listing(listing(changed, complete=False), rows)
    assert d.changed == [(1, changed)] and d.missing == []


def test_every_class_at_once() -> None:
    same, edited, back, moved_in, new = (
        fs(b"same.mp3", ino=1),
        fs(b"edited.mp3", ino=2, size=200),
        fs(b"back.mp3", ino=3),
        fs(b"restored-inode.mp3", ino=40),
        fs(b"new.mp3", ino=5),
    )
    gone = fs(b"gone.mp3", ino=6)
    rows = rows_of(
        row(1, same),
        row(2, edited, size=100),
        row(3, back, missing=True),
        row(4, moved_in, ino=4),
        row(6, gone),
    )
    d = diff_listing(listing(same, edited, back, moved_in, new), rows)
    assert d.unchanged == 2  # same + refingerprinted
    assert d.changed == [(2, edited)]
    assert d.restored == [(3, back)]
    assert d.refingerprint == [(4, moved_in)]
    assert d.added == [new]
    assert d.missing == [6]


def test_same_content_fingerprint_ignores_inode() -> None:
    a = fs(b"a.mp3")
    assert same_content_fingerprint(row(1, a, ino=5, dev=9), a)
    assert not same_content_fingerprint(row(1, a, size=1), a)
    assert not same_content_fingerprint(row(1, a, mtime_ns=1), a)
