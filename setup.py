"""One build step on top of pyproject.toml: ship the scenarios of the top-level seeds/ as
package data (pgconsole/scenarios/*.toml in the wheel), where an installed pgconsole finds
them through importlib.resources. An editable install reads seeds/ in the checkout."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SEEDS = Path(__file__).resolve().parent / "seeds"


class build_py_with_scenarios(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "pgconsole" / "scenarios"
        self.mkpath(str(target))
        for toml in sorted(SEEDS.glob("*.toml")):
            self.copy_file(str(toml), str(target / toml.name))


setup(cmdclass={"build_py": build_py_with_scenarios})
