"""The layering, as pyproject.toml's [tool.importlinter] writes it down: the entry point and
the commands (the CLI face, which may start the UI) on top, then the UI, then the data core,
which never imports the UI nor Textual; the UI never uses the database driver itself.

lint-imports builds the whole import graph (relative imports, imports inside functions,
chains through other modules), so a rule cannot be dodged by spelling an import another
way; the planted violations below prove that it looks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(project: Path) -> subprocess.CompletedProcess:
    """lint-imports on `project` (a folder holding pyproject.toml and pgconsole/)."""
    env = {**os.environ, "PYTHONPATH": str(project)}   # this copy of pgconsole, not the installed one
    return subprocess.run([str(LINT), "--no-cache", "--no-logo"], cwd=project, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_layers_hold():
    r = lint(ROOT)
    assert r.returncode == 0 and "0 broken" in r.stdout, r.stdout + r.stderr


@pytest.fixture
def copy(tmp_path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "pgconsole", tmp_path / "pgconsole", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("module, planted, broken", [
    # a relative import, which the old rule (absolute imports of a top-level name) let through
    ("derive.py", "from .ui.app import ConsoleApp", "pgconsole.derive -> pgconsole.ui.app"),
    # inside a function, and reaching the UI only through the commands
    ("seed/plan.py", "def _f():\n    from ..commands import console", "pgconsole.seed.plan -> pgconsole.commands.console"),
    ("fmt.py", "from textual.widget import Widget", "pgconsole.fmt -> textual"),
])
def test_a_planted_violation_breaks_the_contract(copy, module, planted, broken):
    path = copy / "pgconsole" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n{planted}\n", encoding="utf-8")
    r = lint(copy)
    assert r.returncode == 1 and "BROKEN" in r.stdout and broken in r.stdout, r.stdout + r.stderr


def test_the_ui_never_sends_sql_of_its_own():
    # queries live in pgconsole/sql and run in the data core
    for p in (ROOT / "pgconsole" / "ui").rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        for call in (".fetch(", ".fetchrow(", ".fetchval(", ".execute("):
            assert call not in text, f"{p.relative_to(ROOT)} calls {call}"
