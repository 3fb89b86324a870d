"""Path and format templates in beets' syntax, parsed once and rendered many times.

    $field  ${field}        a field's formatted value
    %func{arg,arg}          a function call; arguments are templates themselves
    $$  $%  ${  $}  $,      a literal $ % { } ,

Functions: %if{cond,then[,else]}, %ifdef{field[,then[,else]]}, %lower, %upper, %title,
%left{text,n}, %right{text,n}, %first{text[,count[,skip[,sep[,join]]]]}, %asciify
(functions.py), and %aunique (album disambiguation), which the caller supplies since
it needs the catalog.  Rendering never expands `$VARS` or `~` from the environment.

A line of text (`shelf find --format`) inserts values as they are.  A path (`clean`
given) keeps a promise: only the template's own `/` separate folders.  Its values
come cleaned by `clean` (sanitize.py: no separator, no control character), and
whatever a function makes of them is held to the same rule: a piece of its result
that holds a separator or a control character (an `%asciify` of "½" is "1/2") is
cleaned the way a value is.  The components of the path are then sanitised on
their own (sanitize.py, destination.py).
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Union

from mediashelf.errors import QueryError
from mediashelf.template.functions import FUNCTIONS, Function, f_if


class TemplateError(QueryError):
    """A malformed template (exit 2)."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[tuple[Node, ...], ...]


Node = Union[Text, Symbol, Call]  # noqa: UP007 - a runtime alias used in annotations
#: values of one item by field name, already formatted as text ("" when unknown)
Values = Callable[[str], str]
#: what makes a value safe in a path (sanitize.sanitize_value with the settings)
Clean = Callable[[str], str]

_IDENT: Final = frozenset(string.ascii_letters + string.digits + "_")
_ESCAPABLE: Final = frozenset("$%{},")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> TemplateError:
        return TemplateError(
            f"bad template {self.text[:120]!r} at character {self.pos + 1}: {message}"
        )

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
                        raise self.error("`${` must be followed by a field name and `}`")
                    flush()
                    nodes.append(Symbol(name))
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
                nodes.append(Symbol(text[self.pos + 1 : end]))
                self.pos = end
                continue
            if ch == "%":
                end = self.pos + 1
                while end < len(text) and text[end] in _IDENT:
                    end += 1
                if end > self.pos + 1 and text[end : end + 1] == "{":
                    flush()
                    name = text[self.pos + 1 : end]
                    self.pos = end + 1
                    nodes.append(Call(name, self._args(depth)))
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
                raise self.error("a function's `{` is never closed")
            sep = self.text[self.pos]
            self.pos += 1
            if sep == "}":
                break
        if args == [()]:
            return ()
        return tuple(args)


#: functions whose first argument is a field name, not a template
_FIELD_ARG: Final = frozenset(("ifdef",))
#: functions the caller must supply (they need more than one item's values)
CONTEXT_FUNCTIONS: Final = frozenset(("aunique",))
_MAX_ARGS: Final = {"if": 3, "ifdef": 3, "left": 2, "right": 2, "first": 5, "aunique": 3}


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    nodes: tuple[Node, ...]

    @property
    def fields(self) -> set[str]:
        """Every field the template reads."""
        found: set[str] = set()

        def walk(nodes: Sequence[Node]) -> None:
            for n in nodes:
                if isinstance(n, Symbol):
                    found.add(n.name)
                elif isinstance(n, Call):
                    if n.name in _FIELD_ARG and n.args:
                        found.add(_plain(n.args[0]))
                        rest = n.args[1:]
                    else:
                        rest = n.args
                    for a in rest:
                        walk(a)

        walk(self.nodes)
        found.discard("")
        return found

    @property
    def calls(self) -> set[str]:
        """Every function the template calls."""
        found: set[str] = set()

        def walk(nodes: Sequence[Node]) -> None:
            for n in nodes:
                if isinstance(n, Call):
                    found.add(n.name)
                    for a in n.args:
                        walk(a)

        walk(self.nodes)
        return found

    def split_folder(self) -> tuple[Template, Template] | None:
        """(folder part, file part), split at the last `/` outside any function call;
        None when there is none.  Rendering both and joining them with `/` is the same
        as rendering the whole."""
        for i in range(len(self.nodes) - 1, -1, -1):
            node = self.nodes[i]
            if isinstance(node, Text) and "/" in node.text:
                head, _, tail = node.text.rpartition("/")
                folder = (*self.nodes[:i], *([Text(head)] if head else []))
                name = (*([Text(tail)] if tail else []), *self.nodes[i + 1 :])
                return Template(self.source + " [folder]", folder), Template(
                    self.source + " [name]", name
                )
        return None

    def render(
        self,
        values: Values,
        extra: Mapping[str, Function] | None = None,
        *,
        clean: Clean | None = None,
    ) -> str:
        """The template for one item.  With `clean` (what cleans a value for a path),
        a path whose folders are the template's own: see the module's docstring."""
        if clean is None:
            return _render(self.nodes, values, extra or {})
        return _render_path(self.nodes, values, extra or {}, clean).replace(_SEP, "/")


def _plain(nodes: Sequence[Node]) -> str:
    return "".join(n.text for n in nodes if isinstance(n, Text)).strip()


#: stands for the template's own `/` while a path is rendered (no clean value holds it)
_SEP: Final = "\x00"
#: what no clean value holds, but the stand-in for the template's own separators
_UNCLEAN: Final = re.compile(r"[/\\\x01-\x1f\x7f-\x9f]")


def _render(nodes: Sequence[Node], values: Values, extra: Mapping[str, Function]) -> str:
    """The nodes as a line of text: values as they are."""
    out = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(n.text)
        elif isinstance(n, Symbol):
            out.append(values(n.name))
        elif n.name == "ifdef":
            out.append(_ifdef(n, values, [_render(a, values, extra) for a in n.args[1:]]))
        else:
            func = extra.get(n.name) or FUNCTIONS[n.name]
            out.append(func(*[_render(a, values, extra) for a in n.args]))
    return "".join(out)


def _render_path(
    nodes: Sequence[Node], values: Values, extra: Mapping[str, Function], clean: Clean
) -> str:
    """The nodes as a path, the template's own `/` as _SEP: the values come cleaned by
    `clean`, and what a function makes of them is cleaned the same way if need be."""
    out = []
    for n in nodes:
        if isinstance(n, Text):
            text = n.text
            if "/" in text or _SEP in text:
                text = text.replace(_SEP, "").replace("/", _SEP)
            out.append(text)
        elif isinstance(n, Symbol):
            out.append(values(n.name))
        elif n.name == "ifdef":
            rest = [_render_path(a, values, extra, clean) for a in n.args[1:]]
            out.append(_ifdef(n, values, rest))
        else:
            func = extra.get(n.name) or FUNCTIONS[n.name]
            result = func(*[_render_path(a, values, extra, clean) for a in n.args])
            out.append(_cleaned(result, clean) if result and _UNCLEAN.search(result) else result)
    return "".join(out)


def _ifdef(n: Call, values: Values, rest: list[str]) -> str:
    """%ifdef{field,then,else}: its first argument is a field's name."""
    name = _plain(n.args[0]) if n.args else ""
    return f_if("1" if name and values(name) else "", *rest)


def _cleaned(result: str, clean: Clean) -> str:
    """A function's result in a path: the pieces between the template's own separators
    that are not clean are cleaned as values are."""
    return _SEP.join(clean(p) if _UNCLEAN.search(p) else p for p in result.split(_SEP))


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str) -> Template:
    return Template(text, _Parser(text).parse())


def parse(text: str, known_fields: Collection[str] | None = None) -> Template:
    """Parse (once: cached) and check names: unknown fields or functions are errors."""
    import difflib

    tmpl = _parse_cached(text)

    def check(nodes: Sequence[Node]) -> None:
        for n in nodes:
            if isinstance(n, Call):
                known = {*FUNCTIONS, *_FIELD_ARG, *CONTEXT_FUNCTIONS}
                if n.name not in known:
                    close = difflib.get_close_matches(n.name, sorted(known), n=2)
                    hint = f" (did you mean %{close[0]}?)" if close else ""
                    raise TemplateError(f"unknown template function %{n.name}{{}}{hint}")
                if len(n.args) > _MAX_ARGS.get(n.name, 1):
                    raise TemplateError(
                        f"%{n.name}{{}} takes at most {_MAX_ARGS.get(n.name, 1)} arguments"
                    )
                for a in n.args:
                    check(a)

    check(tmpl.nodes)
    if known_fields is not None:
        for name in sorted(tmpl.fields):
            if name not in known_fields:
                close = difflib.get_close_matches(name, sorted(known_fields), n=2)
                hint = f" (did you mean ${close[0]}?)" if close else " (`shelf fields` lists them)"
                raise TemplateError(f"unknown field ${name} in template {text!r}{hint}")
    return tmpl
