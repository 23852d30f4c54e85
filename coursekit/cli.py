"""The command line of `python3 course.py`: one subcommand per thing a learner does."""

import argparse
import signal
import sys

from coursekit.bootstrap import bootstrap
from coursekit.carry import cmd_carry
from coursekit.check import cmd_check
from coursekit.diff import cmd_diff
from coursekit.processes import interrupt
from coursekit.run import DEFAULT_STEP, cmd_run
from coursekit.sizes import cmd_sizes
from coursekit.start import cmd_start
from coursekit.test import FAST, cmd_test
from coursekit.ws import cmd_ws


def parser():
    """The command line: one subcommand per thing a learner does."""
    top = argparse.ArgumentParser(
        prog="python3 course.py",
        description="Run, test and compare the steps of Real-time Django, step by step.",
    )
    top.add_argument(
        "--no-venv",
        action="store_true",
        help="use the Python running this script as it is, instead of making and using .venv",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="migrate a step and serve it on 127.0.0.1 (default: 3)")
    run.add_argument("step", nargs="?", default=DEFAULT_STEP, help="3, 03 or step03_groups")
    run.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000)")
    run.set_defaults(handler=cmd_run, needs_venv=True)

    test = commands.add_parser(
        "test",
        help="run the steps' tests, each step in its own process",
        epilog="Arguments after -- go to pytest, e.g. `test 3 -- -x -k room`.",
    )
    test.add_argument("steps", nargs="*", help="steps to test (default: all)")
    test.add_argument("--fast", action="store_true", help=f'only the fast tests: -m "{FAST}"')
    test.set_defaults(handler=cmd_test, needs_venv=True)

    diff = commands.add_parser("diff", help="show what changed between two steps")
    diff.add_argument("a", help="the earlier step, e.g. 2")
    diff.add_argument("b", help="the later step, e.g. 3")
    diff.set_defaults(handler=cmd_diff, needs_venv=False)

    start = commands.add_parser(
        "start", help="workshop: copy step N-1 into workshop/ to build step N on (N = 2 to 6)"
    )
    start.add_argument("step", help="the step to build, e.g. 3")
    start.add_argument("--force", action="store_true", help="replace an existing copy")
    start.set_defaults(handler=cmd_start, needs_venv=False)

    check = commands.add_parser(
        "check", help="workshop: run step N's tests on your copy; what fails, and a score"
    )
    check.add_argument("step", help="the step your copy should now be, e.g. 3")
    check.add_argument("--path", help="your copy (default: workshop/stepNN_name)")
    check.add_argument("--all", action="store_true", help="the live and browser tests too")
    check.add_argument(
        "--exercises", action="store_true", help="only the tests of the step's gradable exercise"
    )
    check.set_defaults(handler=cmd_check, needs_venv=True)

    ws = commands.add_parser("ws", help="talk to a WebSocket from the terminal")
    ws.add_argument("url", help="e.g. ws://127.0.0.1:8000/ws/echo/")
    ws.add_argument("--login", metavar="USER:PASSWORD", help="log in over HTTP first")
    ws.add_argument("--token", metavar="KEY", help="send `Authorization: Token KEY` (step 7)")
    ws.add_argument("--origin", help="Origin header to send (default: the URL's http(s) origin)")
    ws.set_defaults(handler=cmd_ws, needs_venv=True)

    carry = commands.add_parser(
        "carry", help="apply the change to a step's file (against git HEAD) to the later steps"
    )
    carry.add_argument("path", help="the changed file, e.g. step04_auth/chat/static/chat/room.js")
    carry.set_defaults(handler=cmd_carry, needs_venv=False)

    sizes = commands.add_parser(
        "sizes", help="the lines each step adds and removes: code, tests and migrations apart"
    )
    sizes.set_defaults(handler=cmd_sizes, needs_venv=False)
    return top


def main(argv):
    """Parse the command line, set up .venv if the command needs it, and run the command."""
    # Everything after `--` goes to pytest untouched.
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    args = parser().parse_args(argv)
    args.pytest_args = pytest_args
    if pytest_args and args.command != "test":
        sys.exit("Only `test` takes arguments after `--` (they go to pytest).")
    signal.signal(signal.SIGTERM, interrupt)
    try:
        if args.needs_venv and not args.no_venv:
            bootstrap()
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
