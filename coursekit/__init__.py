"""The course's helper, behind `python3 course.py COMMAND`: one module per command.

steps        the step folders: finding them by number, their files, the repository's root
processes    starting, watching and stopping child processes; ports
bootstrap    making .venv from pyproject.toml and running the command again inside it
run, test, diff, start, check, ws, carry, sizes    one command each (`cmd_<name>`)
cli          the command line: parses it and hands each command to its module
what_changed, prose, regen_outputs    the generators the READMEs' tables and outputs come from

Standard library only: course.py imports it before any virtualenv exists. Modules that need
more (websockets for `ws`) import it inside the function that uses it.
"""
