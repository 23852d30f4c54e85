"""Fixtures for the helper's tests: a throwaway course (course.py, conftest.py) with fake steps."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class FakeCourse:
    """course.py, its package and the top conftest.py in a folder, with steps to order."""

    def __init__(self, root):
        self.root = root
        for name in ("course.py", "conftest.py", "pyproject.toml"):
            shutil.copy(ROOT / name, root / name)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / "coursekit", root / "coursekit", ignore=ignore)

    def step(self, name, files):
        """Make a step folder from {relative path: source}, with a pytest.ini and tests/."""
        folder = self.root / name
        (folder / "tests").mkdir(parents=True)
        (folder / "tests" / "__init__.py").write_text("")
        (folder / "tests" / "conftest.py").write_text('"""Each step has one."""\n')
        ini = (
            "[pytest]\ntestpaths = tests\naddopts = -p no:django -p no:asyncio\n"
            "markers =\n    live: slow\n    browser: slower\n"
        )
        (folder / "pytest.ini").write_text(ini)
        for path, source in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(textwrap.dedent(source))
        return folder

    def course(self, *args, env=None, **options):
        """Run `python course.py --no-venv ARGS` here; return the finished process."""
        command = [sys.executable, "course.py", "--no-venv", *args]
        return self.run(command, env=env, **options)

    def run(self, command, env=None, **options):
        """Run a command in the course folder, with output captured as text."""
        return subprocess.run(
            command,
            cwd=self.root,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            **options,
        )


@pytest.fixture
def fake(tmp_path):
    """An empty throwaway course to add steps to."""
    return FakeCourse(tmp_path)


@pytest.fixture(scope="session")
def new_course():
    """Make a throwaway course in a given folder (for module-scoped fixtures)."""
    return FakeCourse
