"""Make a bare `pytest` at the top run every step, each in its own process, via course.py.

Each step has its own pytest.ini and its own Django settings, so `pytest step03_groups` (or
`pytest` inside a step folder) uses that step's configuration and never loads this file. A bare
`pytest` here, or one naming several steps, would import several steps' `config` packages into
one process; instead this hands those steps to `python course.py test`.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def step_of(path):
    """The step folder that PATH is or is inside of, or None."""
    for folder in [path, *path.parents]:
        if folder.parent == ROOT and folder.match("step[0-9][0-9]_*"):
            return folder
    return None


def pytest_plugin_registered(plugin_name):
    """Let a second step's tests/conftest.py load: every step has a package named `tests`."""
    # pytest loads each named step's tests/conftest.py before pytest_cmdline_main runs, all as
    # `tests.conftest`; forgetting the last step's `tests` lets the next one import its own.
    if plugin_name and Path(plugin_name).is_absolute() and step_of(Path(plugin_name)):
        for name in [name for name in sys.modules if name.split(".")[0] == "tests"]:
            del sys.modules[name]


def pytest_cmdline_main(config):
    """Run whole steps through `course.py test`; leave any other target to pytest."""
    if config.option.help or config.option.version:
        return None
    here = config.invocation_params.dir
    args = config.option.file_or_dir or []
    targets = [(here / arg.split("::")[0]).resolve() for arg in args]
    targets = targets or [here.resolve()]
    steps = [step_of(target) for target in targets]
    if all(step is None for step in steps) and ROOT not in targets:
        return None
    if any(step != target for step, target in zip(steps, targets, strict=True) if target != ROOT):
        sys.stderr.write(
            "pytest at the top runs whole steps, each in its own process. Run part of a step, "
            "or other tests, in a pytest of their own: `pytest step03_groups/tests/test_x.py`.\n"
        )
        return 4
    names = [] if ROOT in targets else [step.name for step in steps]
    options = list(config.invocation_params.args)
    for arg in args:
        options.remove(arg)
    command = [sys.executable, str(ROOT / "course.py"), "--no-venv", "test", *names]
    process = subprocess.Popen([*command, "--", *options], cwd=ROOT)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached course.py too: let it stop its pytest cleanly and report.
        return process.wait()
