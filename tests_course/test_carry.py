"""`course.py carry PATH`: a change to a step's file, against git HEAD, into the later steps."""

import subprocess
import sys

import pytest

OLD = "const RETRY = 1;\n"
NEW = "const RETRY = 2;\n"
MINE = "const RETRY = 1; // step 4's own\n"


def git(course, *args):
    """Run git in the course, as a throwaway author; fail the test if it fails."""
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args]
    return course.run(command, check=True)


@pytest.fixture
def course(fake):
    """Five steps in a git repository, committed: room.js the same in 1-3, diverged in 4, not in 5.

    Then step 2's room.js is changed, not committed.
    """
    fake.step("step01_a", {"room.js": OLD})
    fake.step("step02_b", {"room.js": OLD})
    fake.step("step03_c", {"room.js": OLD})
    fake.step("step04_d", {"room.js": MINE})
    fake.step("step05_e", {})
    git(fake, "init", "-q")
    git(fake, "add", "-A")
    git(fake, "commit", "-q", "-m", "The steps")
    (fake.root / "step02_b" / "room.js").write_text(NEW)
    return fake


def read(course, step):
    """The text of STEP's room.js."""
    return (course.root / step / "room.js").read_text()


def test_a_later_copy_of_the_old_version_gets_the_change(course):
    """A later step whose copy was the old version byte for byte now has the new one."""
    course.course("carry", "step02_b/room.js")
    assert read(course, "step03_c") == NEW


def test_an_earlier_step_is_left_alone(course):
    """Steps before the changed one keep their copy."""
    course.course("carry", "step02_b/room.js")
    assert read(course, "step01_a") == OLD


def test_a_diverged_copy_is_left_alone(course):
    """A later copy that differed from the old version is not touched."""
    course.course("carry", "step02_b/room.js")
    assert read(course, "step04_d") == MINE


def test_the_report_names_each_later_step(course):
    """One line per later step says what happened to its copy."""
    lines = course.course("carry", "step02_b/room.js").stdout.splitlines()
    assert "  step03_c  carried" in lines
    assert "  step04_d  had diverged from the old version: left alone" in lines
    assert "  step05_e  has no copy of the file: nothing to do" in lines


def test_a_diverged_copy_exits_1_with_what_to_do(course):
    """With a copy left alone, carry exits 1 and says how to see the change to make by hand."""
    result = course.course("carry", "step02_b/room.js")
    assert result.returncode == 1
    assert "Carry it into step04_d by hand: `git diff HEAD -- step02_b/room.js`" in result.stdout


def test_carrying_twice_changes_nothing_more(course):
    """A second run finds the new version already there."""
    course.course("carry", "step02_b/room.js")
    assert (
        "  step03_c  already has the new version"
        in course.course("carry", "step02_b/room.js").stdout
    )


def test_without_diverged_copies_it_exits_0(course):
    """When every later copy took the change, or had none, carry exits 0."""
    (course.root / "step04_d" / "room.js").unlink()
    assert course.course("carry", "step02_b/room.js").returncode == 0


def test_an_unchanged_file_has_nothing_to_carry(course):
    """A file as it is at HEAD: a sentence, and no step changes."""
    result = course.course("carry", "step01_a/room.js")
    assert result.returncode == 0
    assert "there is no change to carry" in result.stdout
    assert read(course, "step03_c") == OLD


def test_a_file_git_does_not_have_is_refused(course):
    """A new file, not in HEAD, has no old version: carry says so and exits 1."""
    (course.root / "step02_b" / "new.js").write_text(NEW)
    result = course.course("carry", "step02_b/new.js")
    assert result.returncode == 1
    assert "step02_b/new.js is not in git HEAD" in result.stderr


def test_a_path_outside_the_steps_is_refused(course):
    """A file that is in no step is refused with a sentence."""
    result = course.course("carry", "pyproject.toml")
    assert result.returncode == 1
    assert "is not a file inside a step" in result.stderr


def test_the_path_can_be_given_from_inside_a_step(course):
    """A path relative to the folder carry is run from works as well."""
    command = [sys.executable, "../course.py", "--no-venv", "carry", "room.js"]
    subprocess.run(command, cwd=course.root / "step02_b", capture_output=True, check=False)
    assert read(course, "step03_c") == NEW
