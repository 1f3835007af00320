"""The layering the project brief asks for: the data core never imports Textual, and
the UI never talks to the database driver itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "pgconsole"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_the_data_core_never_imports_textual():
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                 if "ui" not in p.relative_to(ROOT).parts and "textual" in imports(p)]
    assert offenders == []


def test_the_ui_never_uses_the_database_driver():
    ui = ROOT / "ui"
    offenders = [str(p.relative_to(ROOT)) for p in ui.rglob("*.py") if "asyncpg" in imports(p)]
    assert offenders == []
    # nor sends SQL of its own: queries live in pgconsole/sql and run in the data core
    for p in ui.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        for call in (".fetch(", ".fetchrow(", ".fetchval(", ".execute("):
            assert call not in text, f"{p.relative_to(ROOT)} calls {call}"
