"""The built-in template sets: which path template each kind of file takes."""

from __future__ import annotations

from typing import Final

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
