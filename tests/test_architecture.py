"""The shape of the code, as the README's architecture section draws it."""

from __future__ import annotations

import ast
from pathlib import Path

import mediashelf

SRC = Path(mediashelf.__file__).parent
#: modules stay small enough to read in one sitting, functions to hold in one's head
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_only_the_catalog_mentions_the_database_driver() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in modules()
        if p.relative_to(SRC).parts[0] != "catalog" and "sqlite3" in p.read_text()
    ]
    assert offenders == []


def test_the_command_line_module_only_parses_and_dispatches() -> None:
    assert len((SRC / "cli.py").read_text().splitlines()) < 150


def test_no_module_is_too_long() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_too_long() -> None:
    long = {}
    for p in modules():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(SRC)}:{node.lineno} {node.name}"] = n
    assert long == {}


def test_every_package_has_its_place_in_the_layers() -> None:
    # a new package must be placed in .importlinter's layers, or the rules say nothing of it
    config = (SRC.parent.parent / ".importlinter").read_text()
    layers = config.split("layers =", 1)[1].split("[importlinter", 1)[0]
    placed = {name.strip() for line in layers.splitlines() for name in line.split("|")}
    tops = {
        f"mediashelf.{p.stem if p.is_file() else p.name}"
        for p in SRC.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert tops - placed == set()
