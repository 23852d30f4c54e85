"""`course.py sizes`: lines added and removed between neighbouring steps, code apart from tests."""

import pytest

MINUS = "\N{MINUS SIGN}"


@pytest.fixture(scope="module")
def table(new_course, tmp_path_factory):
    """What `sizes` prints for two steps: code, a test and a migration changed, the README too."""
    fake = new_course(tmp_path_factory.mktemp("course"))
    fake.step(
        "step01_a",
        {"app/views.py": "a\nb\nc\n", "tests/test_a.py": "x\n", "README.md": "# One\n"},
    )
    fake.step(
        "step02_b",
        {
            "app/views.py": "a\nB\nc\nd\n",
            "app/migrations/0001_initial.py": "m\nn\n",
            "tests/test_a.py": "y\nz\n",
            "README.md": "# Two\nmore\n",
        },
    )
    return fake.course("sizes").stdout.splitlines()


def test_the_table_has_one_row_per_pair_of_neighbours(table):
    """A header, then one row: step01_a → step02_b."""
    assert table[0].split() == ["from", "→", "to", "code", "tests", "migrations"]
    assert len(table) == 2


def test_code_tests_and_migrations_are_counted_apart(table):
    """Each column counts its own files, +added −removed lines; the README is not counted."""
    assert table[1].split("   ") == [
        "step01_a → step02_b",
        f"+2 {MINUS}1",
        f"+2 {MINUS}1",
        f"+2 {MINUS}0",
    ]
