"""Template text → nodes: beets' template syntax, parsed once.

    $field  ${field}        a symbol: a field's value
    %func{arg,arg}          a call; its arguments are nodes themselves
    $$  $%  $}  $,          a literal $ % } ,

Strict parsing refuses what is not well-formed (a TemplateError); lenient parsing
keeps it as text, as beets shows it: `a ${ b` is text, and a call whose `{` is never
closed is text from its `%` to the end.  Each symbol and call keeps the text it was
written as (`raw`), so that a caller can show it as written.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Final, Union

from mediashelf.errors import QueryError


class TemplateError(QueryError):
    """A malformed template (exit 2)."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    raw: str = ""  # as written (`$name` or `${name}`)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[tuple[Node, ...], ...]
    raw: str = ""  # as written, arguments and braces included


Node = Union[Text, Symbol, Call]  # noqa: UP007 - a runtime alias used in annotations

_IDENT: Final = frozenset(string.ascii_letters + string.digits + "_")
_ESCAPABLE: Final = frozenset("$%{},")


class _Unclosed(TemplateError):
    """A function call's `{` is never closed."""


class Parser:
    """Text → nodes.  `lenient`: what is not well-formed is text (as beets shows it)."""

    def __init__(self, text: str, lenient: bool = False) -> None:
        self.text = text
        self.pos = 0
        self.lenient = lenient

    def error(self, message: str, kind: type[TemplateError] = TemplateError) -> TemplateError:
        return kind(f"bad template {self.text[:120]!r} at character {self.pos + 1}: {message}")

    def parse(self, depth: int = 0, in_args: bool = False) -> tuple[Node, ...]:
        if depth > 32:
            raise self.error("functions nested too deeply")
        nodes: list[Node] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                nodes.append(Text("".join(buf)))
                buf.clear()

        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if in_args and ch in ",}":
                break
            if ch == "$":
                nxt = text[self.pos + 1 : self.pos + 2]
                if nxt in _ESCAPABLE and nxt != "{":
                    buf.append(nxt)
                    self.pos += 2
                    continue
                if nxt == "{":
                    end = text.find("}", self.pos + 2)
                    name = text[self.pos + 2 : end] if end != -1 else ""
                    if end == -1 or not name or not set(name) <= _IDENT:
                        if not self.lenient:
                            raise self.error("`${` must be followed by a field name and `}`")
                        buf.append("$")  # `a ${ b` is text
                        self.pos += 1
                        continue
                    flush()
                    nodes.append(Symbol(name, text[self.pos : end + 1]))
                    self.pos = end + 1
                    continue
                end = self.pos + 1
                while end < len(text) and text[end] in _IDENT:
                    end += 1
                if end == self.pos + 1:
                    buf.append("$")
                    self.pos += 1
                    continue
                flush()
                nodes.append(Symbol(text[self.pos + 1 : end], text[self.pos : end]))
                self.pos = end
                continue
            if ch == "%":
                end = self.pos + 1
                while end < len(text) and text[end] in _IDENT:
                    end += 1
                if end > self.pos + 1 and text[end : end + 1] == "{":
                    flush()
                    start, name = self.pos, text[self.pos + 1 : end]
                    self.pos = end + 1
                    try:
                        args = self._args(depth)
                    except _Unclosed:
                        if not self.lenient:
                            raise
                        nodes.append(Text(text[start:]))  # the rest is text, as in beets
                        self.pos = len(text)
                        break
                    nodes.append(Call(name, args, text[start : self.pos]))
                    continue
            buf.append(ch)
            self.pos += 1
        flush()
        return tuple(nodes)

    def _args(self, depth: int) -> tuple[tuple[Node, ...], ...]:
        args = []
        while True:
            args.append(self.parse(depth + 1, in_args=True))
            if self.pos >= len(self.text):
                raise self.error("a function's `{` is never closed", _Unclosed)
            sep = self.text[self.pos]
            self.pos += 1
            if sep == "}":
                break
        if args == [()]:
            return ()
        return tuple(args)
