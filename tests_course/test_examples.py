"""The runnable examples in notes/examples/ run the way the notes say."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SSE = ROOT / "notes" / "examples" / "sse.py"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sse_port(tmp_path):
    """`python notes/examples/sse.py --port PORT` running; stopped by its pid after the test."""
    port, log = free_port(), tmp_path / "sse.log"
    with open(log, "wb") as output:
        command = [sys.executable, str(SSE), "--port", str(port)]
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"sse.py exited early:\n{log.read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"sse.py did not listen within 30 s:\n{log.read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_event(response):
    """The next event of a text/event-stream response, as a {field: value} dict."""
    fields = {}
    while (line := response.readline().decode().rstrip("\n")) != "":
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


@pytest.fixture
def stream(sse_port):
    """The example's /events/ response, open; closed after the test."""
    connection = http.client.HTTPConnection("127.0.0.1", sse_port, timeout=10)
    connection.request("GET", "/events/")
    yield connection.getresponse()
    connection.close()


def test_sse_example_answers_with_an_event_stream(stream):
    """The stream is served as text/event-stream, and not cached."""
    assert stream.getheader("Content-Type") == "text/event-stream"
    assert stream.getheader("Cache-Control") == "no-cache"


def test_sse_example_sends_numbered_tick_events(stream):
    """Two events arrive while the response stays open: `tick`, with ids 1 and 2."""
    first, second = read_event(stream), read_event(stream)
    assert [first["event"], second["event"]] == ["tick", "tick"]
    assert [first["id"], second["id"]] == ["1", "2"]


def test_sse_example_resumes_after_the_last_event_id(sse_port):
    """A reconnecting EventSource sends Last-Event-ID: the stream goes on from the next id."""
    connection = http.client.HTTPConnection("127.0.0.1", sse_port, timeout=10)
    connection.request("GET", "/events/", headers={"Last-Event-ID": "41"})
    event = read_event(connection.getresponse())
    connection.close()
    assert event["id"] == "42"
