"""`course.py test`: each step in its own pytest, a summary table, and an exact last line."""

import pytest

PASSING = {
    "tests/test_ok.py": """
        import pytest

        def test_passes():
            pass

        def test_is_skipped():
            pytest.skip("not here")

        @pytest.mark.live
        def test_live():
            pass
    """
}
FAILING = {
    "tests/test_bad.py": """
        def test_fails():
            assert False

        def test_passes():
            pass
    """
}


@pytest.fixture(scope="module")
def course(new_course, tmp_path_factory):
    """A course with a passing step, a failing step and a step with no tests."""
    fake = new_course(tmp_path_factory.mktemp("course"))
    fake.step("step01_pass", PASSING)
    fake.step("step02_fail", FAILING)
    fake.step("step03_empty", {})
    return fake


@pytest.fixture(scope="module")
def all_steps(course):
    """What `course.py test` printed for all three steps."""
    return course.course("test")


def test_last_line_counts_every_step(all_steps):
    """The last line adds up all steps; skipped tests are counted; no tests counts as a failure."""
    assert all_steps.stdout.splitlines()[-1] == "3 passed, 2 failed, 1 skipped"


def test_any_failure_exits_1(all_steps):
    """A failing step makes the whole command fail."""
    assert all_steps.returncode == 1


def test_a_step_with_no_tests_is_explained(all_steps):
    """pytest's exit code 5 is reported as a sentence naming the step."""
    assert "step03_empty: pytest collected no tests (exit code 5)." in all_steps.stdout


def test_summary_has_a_row_per_step(all_steps):
    """The table has the step, passed, failed and skipped counts of every step."""
    rows = [line.split() for line in all_steps.stdout.splitlines()]
    assert ["step01_pass", "2", "0", "1"] in [row[:4] for row in rows]
    assert ["step02_fail", "1", "1", "0"] in [row[:4] for row in rows]


def test_named_steps_only(course):
    """Naming a step runs that step alone; without skips, no `skipped` part is printed."""
    result = course.course("test", "02")
    assert result.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_a_passing_step_exits_0(course):
    """A run where nothing fails succeeds."""
    assert course.course("test", "step01_pass").returncode == 0


def test_fast_leaves_out_live_and_browser_tests(course):
    """--fast deselects the tests marked live or browser."""
    result = course.course("test", "1", "--fast")
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed, 1 skipped"


def test_arguments_after_double_dash_go_to_pytest(course):
    """`-- -k passes` reaches each step's pytest."""
    result = course.course("test", "1", "2", "--", "-k", "passes")
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_unknown_step_is_an_error(course):
    """A step that does not exist is refused with the list of those that do."""
    result = course.course("test", "7")
    assert result.returncode == 1
    assert "There is no step '7'." in result.stderr
