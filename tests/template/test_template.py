"""The template language: parsing, every function, escapes, errors."""

from __future__ import annotations

import pytest

from mediashelf.template import TemplateError, parse

VALUES = {
    "title": "Hello World",
    "artist": "the beatles",
    "album": "Help!",
    "track": "03",
    "empty": "",
    "zero": "0",
    "falsy": "False",
    "genres": "Rock; Pop; Jazz",
    "accented": "Beyoncé Łódź",
}


def render(text: str, **more: str) -> str:
    values = {**VALUES, **more}
    return parse(text).render(lambda name: values.get(name, ""))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("plain text", "plain text"),
        ("$title", "Hello World"),
        ("${title}s", "Hello Worlds"),
        ("$track $title", "03 Hello World"),
        ("$title.mp3", "Hello World.mp3"),
        ("$$title $% $, ${track}", "$title % , 03"),
        ("$", "$"),
        ("100%", "100%"),
        ("%notacall", "%notacall"),
        ("a,b}c", "a,b}c"),  # separators are plain text outside a call
        ("%lower{$title}", "hello world"),
        ("%upper{$album}", "HELP!"),
        ("%title{$artist}", "The Beatles"),
        ("%left{$title,5}", "Hello"),
        ("%right{$title,5}", "World"),
        ("%left{$title,x}", ""),
        ("%first{$genres}", "Rock"),
        ("%first{$genres,2}", "Rock; Pop"),
        ("%first{$genres,1,1}", "Pop"),
        ("%first{$genres,2,0,; ,/}", "Rock/Pop"),
        ("%asciify{$accented}", "Beyonce Lodz"),
        ("%if{$title,yes,no}", "yes"),
        ("%if{$empty,yes,no}", "no"),
        ("%if{$zero,yes,no}", "no"),
        ("%if{$falsy,yes,no}", "no"),
        ("%if{$empty,yes}", ""),
        ("%ifdef{title,has,none}", "has"),
        ("%ifdef{empty,has,none}", "none"),
        ("%ifdef{title}", "Hello World"),  # the value, as beets shows it
        ("%ifdef{empty}", ""),
        ("%ifdef{title,}", "Hello World"),
        ("%if{$track,$track-}$title", "03-Hello World"),
        ("%upper{%left{$title,5}}!", "HELLO!"),
        ("%lower{a$,b}", "a,b"),
        ("%if{1,{braced\\}}", "{braced\\}"),  # the first } closes the call
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template) == expected


def test_values_are_inserted_verbatim() -> None:
    # a value that looks like template syntax or a shell expansion is just text
    hostile = "$artist %upper{x} $(rm -rf /) ~ ${HOME}"
    assert render("$title", title=hostile) == hostile


def test_fields_and_validation() -> None:
    tmpl = parse("%ifdef{albumartist,$albumartist,$artist}/$album/%if{$multidisc,$disc-}$track")
    assert tmpl.fields == {"albumartist", "artist", "album", "multidisc", "disc", "track"}
    known = {"albumartist", "artist", "album", "multidisc", "disc", "track"}
    parse(tmpl.source, known)
    with pytest.raises(TemplateError, match=r"unknown field \$albm.*did you mean \$album"):
        parse("$albm", known)
    with pytest.raises(TemplateError, match="unknown template function %lowr"):
        parse("%lowr{x}")
    with pytest.raises(TemplateError, match="never closed"):
        parse("%lower{x")
    with pytest.raises(TemplateError, match="at most 2 arguments"):
        parse("%left{a,1,2}")
    with pytest.raises(TemplateError, match="field name"):
        parse("${bad name}")
    with pytest.raises(TemplateError, match="nested too deeply"):
        parse("%lower{" * 40 + "}" * 40)


def test_parsed_once() -> None:
    assert parse("$title - $artist") is parse("$title - $artist")


def test_context_functions_are_supplied_by_the_caller() -> None:
    tmpl = parse("$album%aunique{}")
    values = {"album": "Greatest Hits"}
    got = tmpl.render(lambda n: values.get(n, ""), {"aunique": lambda *a: " [1999]"})
    assert got == "Greatest Hits [1999]"


@pytest.mark.parametrize(
    "text",
    [
        "$albumartist/$album%aunique{}/%if{$multidisc,$disc-}$track $title",
        "Compilations/$album/$track $title",
        "%if{$x,a/b,c}/$title",
        "$title",
        "a/b/c/$title.x",
    ],
)
def test_folder_and_name_parts_render_the_whole(text: str) -> None:
    tmpl = parse(text)
    values = {**VALUES, "x": "1", "multidisc": "1", "disc": "02"}

    def get(name: str) -> str:
        return values.get(name, "")

    funcs = {"aunique": lambda *a: " [1999]"}
    split = tmpl.split_folder()
    if "/" not in text.replace("a/b,c", ""):
        assert split is None
        return
    assert split is not None
    folder, name = split
    assert "/" not in name.render(get, funcs)
    assert folder.render(get, funcs) + "/" + name.render(get, funcs) == tmpl.render(get, funcs)
