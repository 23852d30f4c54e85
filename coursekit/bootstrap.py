"""Set-up: make .venv from pyproject.toml (once, and again when it changes), then run inside it."""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from coursekit.steps import ROOT

PYPROJECT = ROOT / "pyproject.toml"
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".course-stamp"


def requirements():
    """The runtime and test dependencies that pyproject.toml lists."""
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["test"]


def pyproject_hash():
    """What the install stamp holds: the hash of the pyproject.toml it was made from."""
    return hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()


def bootstrap():
    """Make or refresh .venv if pyproject.toml changed since, then run this command inside it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not (STAMP.exists() and STAMP.read_text().strip() == pyproject_hash()):
        install()
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(ROOT / "course.py"), *sys.argv[1:]])


def install():
    """Create .venv if needed and pip install the course's dependencies into it, saying so."""
    print(
        "Setting up .venv with the dependencies in pyproject.toml (once; again when it changes)",
        flush=True,
    )
    if not VENV_PYTHON.exists():
        print("Creating .venv (a few seconds)...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except subprocess.CalledProcessError:
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(
                "Could not create .venv: this Python has no ensurepip "
                "(Debian/Ubuntu: `sudo apt-get install python3-venv`, then try again)."
            )
    elif subprocess.run([VENV_PYTHON, "-m", "pip", "--version"], capture_output=True).returncode:
        # A .venv made without pip (as `uv sync` makes it) gets one.
        subprocess.run([VENV_PYTHON, "-m", "ensurepip"], capture_output=True)
    packages = requirements()
    print(
        f"Installing the {len(packages)} packages pyproject.toml lists, and what they need, "
        "into .venv (about a minute the first time)...",
        flush=True,
    )
    pip = [VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar=off"]
    code, output = run_showing_progress([*pip, *packages])
    if code:
        print(output, file=sys.stderr)
        sys.exit("pip install into .venv failed (its output is above).")
    STAMP.write_text(pyproject_hash() + "\n")
    print("Installed. From now on each command starts at once.", flush=True)


def run_showing_progress(command):
    """Run pip, showing each package it collects as it goes; return (exit code, its output)."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    output, collected = [], 0
    for line in process.stdout:
        output.append(line)
        if line.startswith("Collecting "):
            collected += 1
            name = line.split()[1]
            if sys.stdout.isatty():
                print(f"\r\033[K  collecting {collected}: {name}", end="", flush=True)
            else:
                print(f"  collecting {name}", flush=True)
        elif line.startswith("Installing collected packages"):
            ending = "\r\033[K" if sys.stdout.isatty() else ""
            print(f"{ending}  installing the {collected} collected (the long part)...", flush=True)
    return process.wait(), "".join(output)
