"""The top README's `course.py` commands parse (test_links.py checks its links)."""

import re
import shlex
from pathlib import Path

import pytest

from coursekit.cli import parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"python3 course\.py [^`\n#]*", README)


@pytest.mark.parametrize("command", COMMANDS)
def test_course_commands_parse(command):
    """Every `python3 course.py …` shown is a command the helper accepts."""
    args = shlex.split(command)[2:]
    args = args[: args.index("--")] if "--" in args else args
    try:
        parser().parse_args(args)
    except SystemExit as exit:
        assert exit.code == 0  # --help prints the help and exits 0


def test_every_command_is_in_the_readme():
    """Each of the helper's commands is shown at least once."""
    for name in ("run", "test", "diff", "ws", "start", "check"):
        assert f"python3 course.py {name}" in README
