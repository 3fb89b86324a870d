"""Tag keys of every tag system -> normalized fields.

The tables follow beets' mediafile where it defines a mapping (and Picard's naming:
"MusicBrainz Track Id" is the recording id, "MusicBrainz Release Track Id" the
track id).  An entry is (handler, field, rank): the handler turns the tag's text
values into the field, and the lowest rank wins when several tags offer a field.
Keys not in a table are kept in `extra` under their own name.
"""

from __future__ import annotations

from typing import Final

from mediashelf.extract.audio.values import (
    Handler,
    h_artist,
    h_bool,
    h_date,
    h_id,
    h_int,
    h_list,
    h_lyrics,
    h_number,
    h_text,
    h_zero_based,
)

Table = dict[str, tuple[Handler, str, int]]

_MB_IDS: Final[Table] = {
    "MUSICBRAINZ_RELEASETRACKID": (h_id, "mb_trackid", 0),
    "MUSICBRAINZ_TRACKID": (h_id, "mb_recordingid", 0),
    "MUSICBRAINZ_ALBUMID": (h_id, "mb_albumid", 0),
    "MUSICBRAINZ_RELEASEGROUPID": (h_id, "mb_releasegroupid", 0),
    "MUSICBRAINZ_ARTISTID": (h_id, "mb_artistid", 0),
    "MUSICBRAINZ_ALBUMARTISTID": (h_id, "mb_albumartistid", 0),
}

#: Vorbis comments and APEv2 items (keys upper-cased).
COMMON: Final[Table] = {
    "TITLE": (h_text, "title", 0),
    "ARTIST": (h_artist, "artist", 0),
    "ARTISTS": (h_list, "artists", 0),
    "AUTHOR": (h_artist, "artist", 1),
    "ALBUMARTIST": (h_text, "albumartist", 0),
    "ALBUM ARTIST": (h_text, "albumartist", 1),
    "ALBUM_ARTIST": (h_text, "albumartist", 1),
    "ALBUM": (h_text, "album", 0),
    "TRACKNUMBER": (h_number, "track", 0),
    "TRACK": (h_number, "track", 1),
    "TRACKTOTAL": (h_int, "tracktotal", 0),
    "TOTALTRACKS": (h_int, "tracktotal", 0),
    "TRACKC": (h_int, "tracktotal", 1),
    "DISCNUMBER": (h_number, "disc", 0),
    "DISC": (h_number, "disc", 1),
    "DISCTOTAL": (h_int, "disctotal", 0),
    "TOTALDISCS": (h_int, "disctotal", 0),
    "DISCC": (h_int, "disctotal", 1),
    "DATE": (h_date, "date", 0),
    "YEAR": (h_date, "date", 1),
    "ORIGINALDATE": (h_date, "originaldate", 0),
    "ORIGINALYEAR": (h_date, "originaldate", 1),
    "GENRE": (h_text, "genre", 0),
    "COMPOSER": (h_text, "composer", 0),
    "COMPILATION": (h_bool, "compilation", 0),
    "COMMENT": (h_text, "comment", 0),
    "COMMENTS": (h_text, "comment", 1),
    "DESCRIPTION": (h_text, "comment", 2),
    "LABEL": (h_text, "label", 0),
    "PUBLISHER": (h_text, "label", 1),
    "ORGANIZATION": (h_text, "label", 2),
    "CATALOGNUMBER": (h_text, "catalognumber", 0),
    "CATALOGID": (h_text, "catalognumber", 1),
    "DISCOGS_CATALOG": (h_text, "catalognumber", 1),
    "ISRC": (h_text, "isrc", 0),
    "BPM": (h_int, "bpm", 0),
    "LYRICS": (h_lyrics, "has_lyrics", 0),
    "UNSYNCEDLYRICS": (h_lyrics, "has_lyrics", 0),
    "UNSYNCED LYRICS": (h_lyrics, "has_lyrics", 0),
    **_MB_IDS,
}

#: ID3 TXXX descriptions and MP4 iTunes freeform names (upper-cased).
DESCRIBED: Final[Table] = {
    "ARTISTS": (h_list, "artists", 0),
    "ALBUMARTIST": (h_text, "albumartist", 1),
    "ALBUM ARTIST": (h_text, "albumartist", 1),
    "MUSICBRAINZ RELEASE TRACK ID": (h_id, "mb_trackid", 0),
    "MUSICBRAINZ TRACK ID": (h_id, "mb_recordingid", 1),
    "MUSICBRAINZ ALBUM ID": (h_id, "mb_albumid", 0),
    "MUSICBRAINZ RELEASE GROUP ID": (h_id, "mb_releasegroupid", 0),
    "MUSICBRAINZ ARTIST ID": (h_id, "mb_artistid", 0),
    "MUSICBRAINZ ALBUM ARTIST ID": (h_id, "mb_albumartistid", 0),
    "LABEL": (h_text, "label", 1),
    "PUBLISHER": (h_text, "label", 2),
    "CATALOGNUMBER": (h_text, "catalognumber", 0),
    "CATALOG NUMBER": (h_text, "catalognumber", 0),
    "CATALOGID": (h_text, "catalognumber", 1),
    "DISCOGS_CATALOG": (h_text, "catalognumber", 1),
    "ISRC": (h_text, "isrc", 1),
    "ORIGINALDATE": (h_date, "originaldate", 1),
    "ORIGINAL YEAR": (h_date, "originaldate", 2),
    "ORIGINALYEAR": (h_date, "originaldate", 2),
    "COMPILATION": (h_bool, "compilation", 1),
    "BPM": (h_int, "bpm", 1),
    "TRACKTOTAL": (h_int, "tracktotal", 0),
    "TOTALTRACKS": (h_int, "tracktotal", 0),
    "DISCTOTAL": (h_int, "disctotal", 0),
    "TOTALDISCS": (h_int, "disctotal", 0),
    "LYRICS": (h_lyrics, "has_lyrics", 0),
    "UNSYNCEDLYRICS": (h_lyrics, "has_lyrics", 0),
    **_MB_IDS,
}

#: ID3v2.4 frame ids, and the v2.3 ones that have no v2.4 frame of the same name
#: (mutagen upgrades v2.2 frames to these; tags are read without the v2.4 translation).
ID3_FRAMES: Final[Table] = {
    "TIT2": (h_text, "title", 0),
    "TPE1": (h_artist, "artist", 0),
    "TPE2": (h_text, "albumartist", 0),
    "TALB": (h_text, "album", 0),
    "TRCK": (h_number, "track", 0),
    "TPOS": (h_number, "disc", 0),
    "TDRC": (h_date, "date", 0),
    "TYER": (h_date, "date", 1),  # v2.3 (TDAT, TIME are kept in extra)
    "TDRL": (h_date, "date", 2),
    "TDOR": (h_date, "originaldate", 0),
    "TORY": (h_date, "originaldate", 1),
    "TCON": (h_text, "genre", 0),
    "TCOM": (h_text, "composer", 0),
    "TCMP": (h_bool, "compilation", 0),
    "TPUB": (h_text, "label", 0),
    "TSRC": (h_text, "isrc", 0),
    "TBPM": (h_int, "bpm", 0),
}

MP4_ATOMS: Final[Table] = {
    "\xa9nam": (h_text, "title", 0),
    "\xa9ART": (h_artist, "artist", 0),
    "aART": (h_text, "albumartist", 0),
    "\xa9alb": (h_text, "album", 0),
    "\xa9day": (h_date, "date", 0),
    "\xa9gen": (h_text, "genre", 0),
    "\xa9wrt": (h_text, "composer", 0),
    "\xa9com": (h_text, "composer", 1),
    "cpil": (h_bool, "compilation", 0),
    "\xa9cmt": (h_text, "comment", 0),
    "tmpo": (h_int, "bpm", 0),
    "\xa9lyr": (h_lyrics, "has_lyrics", 0),
}

#: ASF attribute names (upper-cased).
ASF_ATTRIBUTES: Final[Table] = {
    "TITLE": (h_text, "title", 0),
    "AUTHOR": (h_artist, "artist", 0),
    "WM/ARTISTS": (h_list, "artists", 0),
    "WM/ALBUMARTIST": (h_text, "albumartist", 0),
    "WM/ALBUMTITLE": (h_text, "album", 0),
    "WM/TRACKNUMBER": (h_number, "track", 0),
    "WM/TRACK": (h_zero_based, "track", 1),
    "TOTALTRACKS": (h_int, "tracktotal", 0),
    "WM/TRACKTOTAL": (h_int, "tracktotal", 0),
    "WM/PARTOFSET": (h_number, "disc", 0),
    "TOTALDISCS": (h_int, "disctotal", 0),
    "WM/YEAR": (h_date, "date", 0),
    "WM/ORIGINALRELEASETIME": (h_date, "originaldate", 0),
    "WM/ORIGINALRELEASEYEAR": (h_date, "originaldate", 1),
    "WM/GENRE": (h_text, "genre", 0),
    "WM/COMPOSER": (h_text, "composer", 0),
    "WM/ISCOMPILATION": (h_bool, "compilation", 0),
    "WM/COMMENTS": (h_text, "comment", 0),
    "DESCRIPTION": (h_text, "comment", 1),
    "WM/PUBLISHER": (h_text, "label", 0),
    "WM/CATALOGNO": (h_text, "catalognumber", 0),
    "WM/ISRC": (h_text, "isrc", 0),
    "WM/BEATSPERMINUTE": (h_int, "bpm", 0),
    "WM/LYRICS": (h_lyrics, "has_lyrics", 0),
    "WM/LYRICS_SYNCHRONISED": (h_lyrics, "has_lyrics", 0),
    "MUSICBRAINZ/RELEASE TRACK ID": (h_id, "mb_trackid", 0),
    "MUSICBRAINZ/TRACK ID": (h_id, "mb_recordingid", 0),
    "MUSICBRAINZ/ALBUM ID": (h_id, "mb_albumid", 0),
    "MUSICBRAINZ/RELEASE GROUP ID": (h_id, "mb_releasegroupid", 0),
    "MUSICBRAINZ/ARTIST ID": (h_id, "mb_artistid", 0),
    "MUSICBRAINZ/ALBUM ARTIST ID": (h_id, "mb_albumartistid", 0),
}

#: RIFF INFO items of WAV files and text chunks of AIFF files.
RIFF_INFO: Final[Table] = {
    "INAM": (h_text, "title", 0),
    "IART": (h_artist, "artist", 0),
    "IPRD": (h_text, "album", 0),
    "ICMT": (h_text, "comment", 0),
    "IGNR": (h_text, "genre", 0),
    "ICRD": (h_date, "date", 0),
    "ITRK": (h_number, "track", 0),
    "IPRT": (h_number, "track", 1),
    "IMUS": (h_text, "composer", 0),
    "NAME": (h_text, "title", 0),
    "AUTH": (h_artist, "artist", 0),
    "ANNO": (h_text, "comment", 0),
}
