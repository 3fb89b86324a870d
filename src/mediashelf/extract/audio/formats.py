"""The audio formats mutagen reads: their mutagen classes, and the extensions they use.

Plain tables, cheap to import: the reader registry takes the audio extensions from
here without importing the audio reader.
"""

from __future__ import annotations

from typing import Final

#: Format key -> (mutagen module, class name, label used in messages).
FORMATS: Final[dict[str, tuple[str, str, str]]] = {
    "mp3": ("mutagen.mp3", "MP3", "MP3"),
    "aac": ("mutagen.aac", "AAC", "AAC"),
    "ac3": ("mutagen.ac3", "AC3", "AC-3"),
    "flac": ("mutagen.flac", "FLAC", "FLAC"),
    "ogg": ("mutagen.oggvorbis", "OggVorbis", "Ogg Vorbis"),
    "opus": ("mutagen.oggopus", "OggOpus", "Ogg Opus"),
    "speex": ("mutagen.oggspeex", "OggSpeex", "Ogg Speex"),
    "oggflac": ("mutagen.oggflac", "OggFLAC", "Ogg FLAC"),
    "theora": ("mutagen.oggtheora", "OggTheora", "Ogg Theora"),
    "mp4": ("mutagen.mp4", "MP4", "MP4"),
    "wav": ("mutagen.wave", "WAVE", "WAV"),
    "aiff": ("mutagen.aiff", "AIFF", "AIFF"),
    "asf": ("mutagen.asf", "ASF", "ASF/WMA"),
    "ape": ("mutagen.monkeysaudio", "MonkeysAudio", "Monkey's Audio"),
    "wavpack": ("mutagen.wavpack", "WavPack", "WavPack"),
    "musepack": ("mutagen.musepack", "Musepack", "Musepack"),
    "tta": ("mutagen.trueaudio", "TrueAudio", "TrueAudio"),
    "optimfrog": ("mutagen.optimfrog", "OptimFROG", "OptimFROG"),
    "tak": ("mutagen.tak", "TAK", "TAK"),
    "dsf": ("mutagen.dsf", "DSF", "DSF"),
    "dff": ("mutagen.dsdiff", "DSDIFF", "DSDIFF"),
    "midi": ("mutagen.smf", "SMF", "MIDI"),
}


#: Extension -> format key, used when the magic bytes do not decide.
EXTENSION_FORMATS: Final[dict[str, str]] = {
    **dict.fromkeys(("mp3", "mp2", "mp1", "mpga", "mpa"), "mp3"),
    **dict.fromkeys(("aac", "adts", "adif"), "aac"),
    **dict.fromkeys(("ac3", "eac3", "ec3"), "ac3"),
    **dict.fromkeys(("flac", "fla"), "flac"),
    **dict.fromkeys(("ogg", "oga", "ogx"), "ogg"),
    "opus": "opus",
    "spx": "speex",
    "ogv": "theora",
    **dict.fromkeys(
        ("m4a", "m4b", "m4p", "m4r", "m4v", "mp4", "alac", "mov", "3gp", "3g2", "f4a"), "mp4"
    ),
    **dict.fromkeys(("wav", "wave", "bwf"), "wav"),
    **dict.fromkeys(("aif", "aiff", "aifc", "afc"), "aiff"),
    **dict.fromkeys(("wma", "asf", "wmv"), "asf"),
    "ape": "ape",
    "wv": "wavpack",
    **dict.fromkeys(("mpc", "mp+", "mpp"), "musepack"),
    "tta": "tta",
    **dict.fromkeys(("ofr", "ofs"), "optimfrog"),
    "tak": "tak",
    "dsf": "dsf",
    "dff": "dff",
    **dict.fromkeys(("mid", "midi", "kar"), "midi"),
}
