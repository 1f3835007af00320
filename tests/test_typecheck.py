"""The data core type-checks under mypy --strict, as pyproject.toml's [tool.mypy] sets it
(which modules, how strict, and why ui/ and commands/ are left out). No server: conftest.py
marks it no_server, so it runs once, in the PostgreSQL 18 run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_core_type_checks():
    # the cache (.mypy_cache, beside pyproject.toml) makes a second run on the same tree quick;
    # on a clean clone (CI) it is cold: a few seconds either way
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
