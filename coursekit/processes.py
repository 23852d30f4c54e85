"""Child processes: start them as a learner would type them, wait for ports, stop them cleanly."""

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time


def start(command, cwd, **options):
    """Start a command in a folder, showing it as a learner would type it there."""
    command = [str(part) for part in command]
    shown = ["python", *command[1:]] if command[0] == sys.executable else command
    print(f"[{cwd.name}] {shlex.join(shown)}", flush=True)
    return subprocess.Popen(command, cwd=cwd, **options)


def start_server(command, cwd, **options):
    """Start a server in a process group of its own, for stop() to signal as a whole."""
    # Ctrl-C then reaches course.py alone, which stops each server and whatever it started (the
    # autoreloader's child) the same way, even when course.py was started with SIGINT ignored.
    return start(command, cwd, process_group=0, stdin=subprocess.DEVNULL, **options)


def manage(step, *args):
    """Run a management command in a step and wait for it; exit if it fails."""
    code = start([sys.executable, "manage.py", *args], step).wait()
    if code:
        sys.exit(f"`manage.py {' '.join(args)}` failed in {step.name} (exit code {code}).")


def wait_all(processes, seconds):
    """Wait up to SECONDS in all for the processes to exit."""
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass


def send(process, signum):
    """Signal a child that is still running; a child that leads a process group, all of it."""
    with contextlib.suppress(ProcessLookupError):
        if process.poll() is None and os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
        elif process.poll() is None:
            process.send_signal(signum)


def stop(processes, grace):
    """Stop children: give them GRACE seconds to finish what Ctrl-C started, then signal them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    wait_all(processes, grace)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        for process in processes:
            send(process, signum)
        wait_all(processes, 5)
    for process in processes:
        # A labelled server's last lines (what it said as it stopped) are still being printed.
        if getattr(process, "relay", None):
            process.relay.join(timeout=5)


def interrupt(signum, frame):
    """Treat SIGTERM like Ctrl-C, so that children are stopped the same way."""
    raise KeyboardInterrupt


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port):
    """Whether something accepts connections on 127.0.0.1:PORT."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port, process, seconds=30):
    """Wait until something accepts connections on PORT; False if PROCESS exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if listening(port):
            return True
        time.sleep(0.1)
    return False
