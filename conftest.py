"""A bare `pytest` at the top of the repository runs every step, each in its own process.

Why a hook is needed at all: each step is a Django project of its own, with its own settings
and a package named `tests`, so two steps cannot share one pytest process; a bare `pytest` here
would collect all six into one. This hands the run to `python3 course.py test` instead, which
starts one pytest per step and prints one summary.

`pytest step03_groups` (or `pytest` inside a step folder) never loads this file: pytest takes
that step's pytest.ini as its configuration, and conftest files above it are not read. To test
a few steps, `python3 course.py test 3 4`.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def pytest_cmdline_main(config):
    """`pytest` or `pytest .` here, options and all, runs `course.py test`; the rest is pytest's."""
    targets = config.option.file_or_dir or ["."]
    folders = {(config.invocation_params.dir / target).resolve() for target in targets}
    if config.option.help or config.option.version or folders != {ROOT}:
        return None
    options = [arg for arg in config.invocation_params.args if arg not in targets]
    command = [sys.executable, str(ROOT / "course.py"), "--no-venv", "test", "--", *options]
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached course.py too: let it stop its pytest cleanly and report.
        return process.wait()
