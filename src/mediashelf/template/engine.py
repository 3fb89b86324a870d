"""Path and format templates in beets' syntax, parsed once and rendered many times.

    $field  ${field}        a field's formatted value
    %func{arg,arg}          a function call; arguments are templates themselves
    $$  $%  $}  $,          a literal $ % } ,

Functions: %if{cond,then[,else]}, %ifdef{field[,then[,else]]}, %lower, %upper,
%capitalize, %title, %left{text,n}, %right{text,n}, %first{text[,count[,skip[,sep[,join]]]]},
%asciify, %time{date,format} (functions.py), and %aunique / %sunique (album and
singleton disambiguation), which the caller supplies since they need the catalog.
Rendering never expands `$VARS` or `~` from the environment.

Parsing is strict for paths (a template that is not well-formed, or names an unknown
field or function, is an error: a typo never becomes a folder name) and lenient for
lines of text, where, as in beets, what cannot be evaluated is shown as written.

A line of text (`shelf find --format`) inserts values as they are.  A path (`clean`
given) keeps a promise: only the template's own `/` separate folders.  Its values
come cleaned by `clean` (sanitize.py: no separator, no control character), and
whatever a function makes of them is held to the same rule: a piece of its result
that holds a separator or a control character (a `%time` format with `/`) is
cleaned the way a value is.  The components of the path are then sanitised on
their own (sanitize.py, destination.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from mediashelf.template.functions import FUNCTIONS, Function
from mediashelf.template.syntax import Call, Node, Parser, Symbol, TemplateError, Text

__all__ = ["CONTEXT_FUNCTIONS", "Template", "TemplateError", "Values", "parse"]

#: values of one item by field name, already formatted as text ("" when unknown)
Values = Callable[[str], str]
#: what makes a value safe in a path (sanitize.sanitize_value with the settings)
Clean = Callable[[str], str]


#: functions whose first argument is a field name, not a template
_FIELD_ARG: Final = frozenset(("ifdef",))
#: functions the caller must supply (they need more than one item's values)
CONTEXT_FUNCTIONS: Final = frozenset(("aunique", "sunique"))
_MAX_ARGS: Final = {
    "if": 3, "ifdef": 3, "left": 2, "right": 2, "first": 5, "time": 2, "aunique": 3, "sunique": 3,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    nodes: tuple[Node, ...]
    #: what a lenient parse left as text, as written: unknown fields and functions
    literal: tuple[str, ...] = ()

    @property
    def fields(self) -> set[str]:
        """Every field the template reads (the fields %aunique and %sunique are given
        by name included)."""
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
                    if n.name in CONTEXT_FUNCTIONS:  # %aunique{keys,disambiguators,...}
                        for a in n.args[:2]:
                            if all(isinstance(x, Text) for x in a):
                                found.update(_plain(a).split())
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
            func = extra.get(n.name) or FUNCTIONS.get(n.name)
            if func is None:  # a function the caller does not supply here: as written
                out.append(n.raw)
                continue
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
    """%ifdef{field,then,else}: its first argument is a field's name.  A field is defined
    when it has a value; with no `then` (or an empty one), the value is shown."""
    name = _plain(n.args[0]) if n.args else ""
    value = values(name) if name else ""
    if value:
        return rest[0] if rest and rest[0] else value
    return rest[1] if len(rest) > 1 else ""


def _cleaned(result: str, clean: Clean) -> str:
    """A function's result in a path: the pieces between the template's own separators
    that are not clean are cleaned as values are."""
    return _SEP.join(clean(p) if _UNCLEAN.search(p) else p for p in result.split(_SEP))


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str, lenient: bool) -> Template:
    return Template(text, Parser(text, lenient).parse())


def parse(
    text: str,
    known_fields: Collection[str] | None = None,
    *,
    lenient: bool = False,
    context: bool = True,
) -> Template:
    """Parse (once: cached) and check the names of fields and functions.

    Strict (the default, for paths: a typo must not become a folder name): a template
    that is not well-formed, an unknown field or function, or a call with too many
    arguments is a TemplateError.  `lenient` (for lines of text, as beets shows them):
    all of those are text as written (`$titel`, `%lowr{x}`, `a ${ b`), an unknown field
    in %ifdef is not defined, and the template's `literal` names them.
    `known_fields` None: any field name is known.  `context` False: the caller does not
    supply %aunique and %sunique, so they are unknown too.
    """
    tmpl = _parse_cached(text, lenient)
    if lenient:
        return _literal_unknowns(tmpl, known_fields, _known_functions(context))
    _check(tmpl.nodes)
    if known_fields is not None:
        for name in sorted(tmpl.fields):
            if name not in known_fields:
                hint = _hint(name, known_fields, "$") or " (`shelf fields` lists them)"
                raise TemplateError(f"unknown field ${name} in template {text!r}{hint}")
    return tmpl


def _hint(name: str, known: Collection[str], sigil: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=2)
    return f" (did you mean {sigil}{close[0]}?)" if close else ""


def _known_functions(context: bool = True) -> set[str]:
    return {*FUNCTIONS, *_FIELD_ARG, *(CONTEXT_FUNCTIONS if context else ())}


def _check(nodes: Sequence[Node]) -> None:
    for n in nodes:
        if isinstance(n, Call):
            if n.name not in _known_functions():
                hint = _hint(n.name, _known_functions(), "%")
                raise TemplateError(f"unknown template function %{n.name}{{}}{hint}")
            if len(n.args) > _MAX_ARGS.get(n.name, 1):
                raise TemplateError(
                    f"%{n.name}{{}} takes at most {_MAX_ARGS.get(n.name, 1)} arguments"
                )
            for a in n.args:
                _check(a)


def _literal_unknowns(
    tmpl: Template, known_fields: Collection[str] | None, functions: set[str]
) -> Template:
    """The template with what it cannot evaluate as text, as written (lenient)."""
    literal: list[str] = []

    def known(name: str) -> bool:
        return known_fields is None or name in known_fields

    def walk(nodes: Sequence[Node]) -> tuple[Node, ...]:
        out: list[Node] = []
        for n in nodes:
            if isinstance(n, Symbol) and not known(n.name):
                literal.append(n.raw)
                out.append(Text(n.raw))
            elif isinstance(n, Call):
                if n.name not in functions or len(n.args) > _MAX_ARGS.get(n.name, 1):
                    literal.append(n.raw)
                    out.append(Text(n.raw))
                elif n.name in _FIELD_ARG and n.args and not known(_plain(n.args[0])):
                    out.extend(walk(n.args[2]) if len(n.args) > 2 else ())  # not defined
                else:
                    out.append(Call(n.name, tuple(walk(a) for a in n.args), n.raw))
            else:
                out.append(n)
        return tuple(out)

    nodes = walk(tmpl.nodes)
    if not literal and nodes == tmpl.nodes:
        return tmpl
    return Template(tmpl.source, nodes, tuple(dict.fromkeys(literal)))
