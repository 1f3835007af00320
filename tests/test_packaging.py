"""An installed pgconsole (not the checkout) still has its scenarios.

seeds/ stays at the top of the repository; setup.py's build step copies it into the
package (pgconsole/scenarios/), where seeds_dir() finds it through importlib.resources.
Here the build step runs into a scratch directory, the layout a wheel installs; .ci/run
also builds the real wheel, installs it into a fresh venv and seeds from there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pgconsole.seed.scenario import seeds_dir

ROOT = Path(__file__).resolve().parents[1]


def test_an_installed_pgconsole_finds_the_shipped_scenarios(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for tree in ("pgconsole", "seeds"):
        shutil.copytree(ROOT / tree, src / tree, ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "site-packages"
    r = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=src,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (lib / "pgconsole" / "scenarios").glob("*.toml")) == \
        ["chat.toml", "events.toml", "saas.toml"]
    shutil.rmtree(src)   # nothing of the checkout is left to find

    env = {k: v for k, v in os.environ.items() if k != "PGCONSOLE_SEEDS"} | {"PYTHONPATH": str(lib)}
    run = lambda *args: subprocess.run([sys.executable, *args], cwd=tmp_path, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    r = run("-c", "import pgconsole, pgconsole.seed.scenario as s; print(pgconsole.__file__); print(s.seeds_dir())")
    assert r.returncode == 0 and r.stdout.splitlines() == [str(lib / "pgconsole" / "__init__.py"),
                                                           str(lib / "pgconsole" / "scenarios")], r
    r = run("-m", "pgconsole", "seed", "--list")
    assert r.returncode == 0, r.stderr
    assert {"chat", "events", "saas"} <= {ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()}, r.stdout


def test_the_checkout_reads_seeds_and_pgconsole_seeds_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("PGCONSOLE_SEEDS", raising=False)
    assert seeds_dir() == ROOT / "seeds"   # an editable install: the top-level folder
    monkeypatch.setenv("PGCONSOLE_SEEDS", str(tmp_path))
    assert seeds_dir() == tmp_path
