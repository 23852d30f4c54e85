#!/usr/bin/env python3
"""The course's helper: run a step, test the steps, diff two steps, talk to a WebSocket, and
the workshop mode: start a step on a copy of the step before, then check that copy with its tests.

Standard library only: it runs before any virtualenv exists. Commands that need Django or
websockets first make `.venv` from pyproject.toml (once, and again when pyproject.toml changes),
then run again inside it. Each command is a module of coursekit/; `python3 course.py -h` lists them.
"""

import sys

# This runs under whatever python3 the learner has, before any .venv exists: say so before
# importing the package, which needs 3.11.
if sys.version_info < (3, 11):  # noqa: UP036
    sys.exit(f"course.py needs Python 3.11 or newer; this is {sys.version.split()[0]}.")

from coursekit.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
