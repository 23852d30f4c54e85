"""The top conftest.py: a bare `pytest` at the top runs `course.py test`; one step is pytest's."""

import sys

import pytest

STEP = {
    "tests/test_one.py": """
        def test_passes():
            pass
    """
}


@pytest.fixture(scope="module")
def course(new_course, tmp_path_factory):
    """A course with two steps whose tests packages have the same name, as real steps do."""
    fake = new_course(tmp_path_factory.mktemp("course"))
    fake.step("step01_a", STEP)
    fake.step("step02_b", STEP)
    return fake


def test_bare_pytest_runs_every_step(course):
    """`pytest` at the top ends with course.py's totals line."""
    result = course.run([sys.executable, "-m", "pytest"])
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_bare_pytest_exits_like_course_test(course):
    """The exit code is course.py's."""
    assert course.run([sys.executable, "-m", "pytest"]).returncode == 0


def test_pytest_dot_is_a_bare_pytest(course):
    """`pytest .` at the top runs every step too."""
    result = course.run([sys.executable, "-m", "pytest", "."])
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_options_reach_the_steps(course):
    """Options given to the top pytest are passed on to each step's pytest."""
    result = course.run([sys.executable, "-m", "pytest", "-k", "nothing"])
    assert "collected no tests" in result.stdout


def test_pytest_naming_one_step_uses_its_ini(course):
    """`pytest step01_a` is plain pytest with that step's pytest.ini; no summary table."""
    result = course.run([sys.executable, "-m", "pytest", "step01_a"])
    assert "configfile: pytest.ini" in result.stdout
    assert "passed, 0 failed" not in result.stdout


def test_a_step_test_file_is_plain_pytest(course):
    """`pytest step02_b/tests/test_one.py` from the top runs that file alone, as pytest does."""
    result = course.run([sys.executable, "-m", "pytest", "step02_b/tests/test_one.py"])
    assert result.returncode == 0
    assert "1 passed" in result.stdout
