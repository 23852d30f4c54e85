"""How course.py names steps and counts results."""

import pytest

from coursekit import steps as course
from coursekit.test import StepResult, read_junit, totals_line


@pytest.fixture
def steps(tmp_path, monkeypatch):
    """A course root with steps 1 and 3 only."""
    for name in ("step01_wsgi_vs_asgi", "step03_groups", "notes"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(course, "ROOT", tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", ["3", "03", "step03", "step03_groups", "step03_groups/"])
def test_a_step_has_several_names(steps, name):
    """A number, a padded number, `stepNN` or the folder name find the same step."""
    assert course.find_step(name) == steps / "step03_groups"


def test_a_missing_step_exits_with_the_list(steps):
    """A step that does not exist names those that do."""
    with pytest.raises(SystemExit, match="step01_wsgi_vs_asgi, step03_groups"):
        course.find_step("2")


def test_only_step_folders_are_steps(steps):
    """Other folders are not steps."""
    assert [path.name for path in course.steps()] == ["step01_wsgi_vs_asgi", "step03_groups"]


def test_totals_line_leaves_out_zero_skipped():
    """`, N skipped` appears only when something was skipped."""
    results = [StepResult("a", passed=3, failed=1), StepResult("b", passed=2)]
    assert totals_line(results) == "5 passed, 1 failed"


def test_totals_line_adds_skipped():
    """Skipped tests are added at the end."""
    results = [StepResult("a", passed=3, skipped=2)]
    assert totals_line(results) == "3 passed, 0 failed, 2 skipped"


def test_errors_count_as_failures(tmp_path):
    """A JUnit report's errors are added to its failures."""
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite tests="7" failures="1" errors="2" skipped="1"/></testsuites>'
    )
    result = StepResult("a")
    read_junit(report, result)
    assert (result.passed, result.failed, result.skipped) == (3, 3, 1)
