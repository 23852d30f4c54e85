"""course.py makes its own .venv from pyproject.toml, once, and runs itself again inside it."""

import hashlib
import subprocess
import sys

import pytest

# Already in every fresh virtualenv, so setting one up needs no network.
PYPROJECT = """
[project]
name = "fake-course"
version = "1"
dependencies = ["pip"]

[project.optional-dependencies]
test = []
"""


def course_py(root):
    """Run `course.py test` from a Python that is not the course's .venv."""
    command = [sys.executable, "course.py", "test"]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)


def make_course(new_course, root):
    """A course with one step and a pyproject.toml that installs nothing new."""
    fake = new_course(root)
    (root / "pyproject.toml").write_text(PYPROJECT)
    fake.step("step01_a", {"tests/test_a.py": "def test_a():\n    pass\n"})
    return fake


@pytest.fixture(scope="module")
def first(new_course, tmp_path_factory):
    """A course, and what its first `course.py test` printed."""
    fake = make_course(new_course, tmp_path_factory.mktemp("course"))
    return fake, course_py(fake.root)


def test_first_run_says_it_sets_up(first):
    """One line says what is happening."""
    assert first[1].stdout.startswith("Setting up .venv")


def test_stamp_holds_the_hash_of_pyproject(first):
    """The stamp records which pyproject.toml the .venv was made from."""
    fake, _ = first
    expected = hashlib.sha256((fake.root / "pyproject.toml").read_bytes()).hexdigest()
    assert (fake.root / ".venv" / ".course-stamp").read_text().strip() == expected


def test_the_command_runs_again_inside_the_venv(first):
    """The step's pytest is the new .venv's Python (which, here, has no pytest installed)."""
    fake, result = first
    assert f"{fake.root}/.venv/bin/python: No module named pytest" in result.stderr


def test_a_second_run_sets_up_nothing(first):
    """With pyproject.toml unchanged, the .venv is used as it is."""
    fake, _ = first
    assert "Setting up" not in course_py(fake.root).stdout


def test_a_changed_pyproject_sets_up_again(new_course, tmp_path):
    """Editing pyproject.toml makes the next command refresh .venv."""
    fake = make_course(new_course, tmp_path)
    course_py(fake.root)
    (fake.root / "pyproject.toml").write_text(PYPROJECT + "\n# changed\n")
    assert course_py(fake.root).stdout.startswith("Setting up .venv")


def test_install_shows_each_package_pip_collects(capsys):
    """While pip runs, each package it collects is named, then the install itself."""
    from coursekit.bootstrap import run_showing_progress

    script = "print('Collecting Django>=5.2'); print('Installing collected packages: django')"
    code, output = run_showing_progress([sys.executable, "-c", script])
    shown = capsys.readouterr().out
    assert (code, "Collecting Django" in output) == (0, True)
    assert "  collecting Django>=5.2\n" in shown
    assert "  installing the 1 collected" in shown
