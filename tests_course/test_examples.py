"""The runnable examples in notes/examples/ run the way the notes say."""

import contextlib
import http.client
import json
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
TOKEN_HANDSHAKE = ROOT / "notes" / "examples" / "token_handshake.py"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(script, log):
    """`python SCRIPT --port PORT` listening, its output in LOG; stopped by its pid after."""
    port = free_port()
    with open(log, "wb") as output:
        command = [sys.executable, str(script), "--port", str(port)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"{script.name} exited early:\n{log.read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{script.name} did not listen within 30 s:\n{log.read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sse_port(tmp_path):
    """`python notes/examples/sse.py --port PORT` running; stopped by its pid after the test."""
    with running(SSE, tmp_path / "sse.log") as port:
        yield port


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


# token_handshake.py, driven by headless Chromium: what a page sees of each handshake.

# Open a socket as a page does; resolve with the events it saw until it closed (closing it
# after its first message), or with the error `new WebSocket` threw. Never waits more than 5 s.
HANDSHAKE = """async ([url, protocols]) => {
  let socket;
  try {
    socket = protocols === null ? new WebSocket(url) : new WebSocket(url, protocols);
  } catch (error) {
    return [{type: "throw", name: error.name, message: error.message}];
  }
  const events = [];
  return new Promise((resolve) => {
    setTimeout(() => resolve([...events, {type: "timeout"}]), 5000);
    socket.addEventListener("open", () => events.push({type: "open", protocol: socket.protocol}));
    socket.addEventListener("message", (event) => {
      events.push({type: "message", data: event.data});
      socket.close();
    });
    socket.addEventListener("error", () => events.push({type: "error"}));
    socket.addEventListener("close", (event) => {
      events.push({type: "close", code: event.code});
      resolve(events);
    });
  });
}"""


def unavailable(reason):
    """Skip a test whose tool is missing; fail instead where COURSE_REQUIRE_ALL=1 (CI)."""
    if os.environ.get("COURSE_REQUIRE_ALL") == "1":
        pytest.fail(f"{reason} (COURSE_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, or CHROMIUM_PATH) driven by Playwright, for the module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install playwright")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).is_file():
        unavailable(f"No Chromium at {executable}: apt-get install chromium, or set CHROMIUM_PATH")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def token_log(tmp_path_factory):
    """The file token_handshake.py's output, Daphne's access log, goes to."""
    return tmp_path_factory.mktemp("token_handshake") / "token_handshake.log"


@pytest.fixture(scope="module")
def token_port(token_log):
    """`python notes/examples/token_handshake.py --port PORT` running for the module's tests."""
    with running(TOKEN_HANDSHAKE, token_log) as port:
        yield port


@pytest.fixture
def handshake(browser, token_port):
    """Open a socket to PATH from the example's own page, offering PROTOCOLS; its events."""
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{token_port}/")

    def open_socket(path, protocols=None):
        return page.evaluate(HANDSHAKE, [f"ws://127.0.0.1:{token_port}{path}", protocols])

    yield open_socket
    page.close()


def test_token_in_the_query_string_opens_and_tells_the_user(handshake):
    """`new WebSocket(url + "?token=…")` opens, and the socket is told whose token it is."""
    events = handshake("/ws/whoami/?token=t0k3n-ada")
    assert [event["type"] for event in events] == ["open", "message", "close"]
    assert json.loads(events[1]["data"]) == {"user": "ada"}


def test_token_as_a_subprotocol_opens_with_the_token_as_its_protocol(handshake):
    """`new WebSocket(url, [token])` opens, its `protocol` is the token, and it is told the user."""
    events = handshake("/ws/whoami/", ["t0k3n-ada"])
    assert [event["type"] for event in events] == ["open", "message", "close"]
    assert events[0]["protocol"] == "t0k3n-ada"
    assert json.loads(events[1]["data"]) == {"user": "ada"}


def test_subprotocol_not_echoed_fails_with_an_error_then_1006(handshake):
    """Accepted without naming the subprotocol, the socket never opens: `error`, then 1006."""
    events = handshake("/ws/whoami/no-echo/", ["t0k3n-ada"])
    assert [event["type"] for event in events] == ["error", "close"]
    assert events[1]["code"] == 1006


def test_daphne_logs_the_handshake_it_did_not_echo_as_accepted(handshake, token_log):
    """The handshake Chromium failed is a WSCONNECT, not a WSREJECT, in Daphne's access log."""
    # Daphne logs in the callback that queues its answer, so the line is there before Chromium
    # can have read the answer.
    before = token_log.read_text().count('"WSCONNECT /ws/whoami/no-echo/"')
    handshake("/ws/whoami/no-echo/", ["t0k3n-ada"])
    assert token_log.read_text().count('"WSCONNECT /ws/whoami/no-echo/"') == before + 1
    assert '"WSREJECT /ws/whoami/no-echo/"' not in token_log.read_text()


def test_daphne_access_log_leaves_the_query_string_out(handshake, token_log):
    """A token in the query string opens a socket, and Daphne's access log does not show it."""
    events = handshake("/ws/whoami/?token=t0k3n-grace")
    assert json.loads(events[1]["data"]) == {"user": "grace"}
    assert '"WSCONNECTING /ws/whoami/"' in token_log.read_text()
    assert "t0k3n-grace" not in token_log.read_text()


@pytest.mark.parametrize(
    "path, protocols",
    [("/ws/whoami/?token=nope", None), ("/ws/whoami/", ["nope"]), ("/ws/whoami/", None)],
    ids=["unknown-in-query-string", "unknown-subprotocol", "no-token"],
)
def test_handshake_without_a_known_token_is_refused(handshake, token_log, path, protocols):
    """A handshake with an unknown token, or none, is a WSREJECT; the page sees `error`, 1006."""
    before = token_log.read_text().count('"WSREJECT /ws/whoami/"')
    events = handshake(path, protocols)
    assert [event["type"] for event in events] == ["error", "close"]
    assert events[1]["code"] == 1006
    assert token_log.read_text().count('"WSREJECT /ws/whoami/"') == before + 1


@pytest.mark.parametrize("token", ["t0k3n ada", "t0k3n=ada", "t0k3n/ada"])
def test_token_a_header_cannot_hold_makes_new_websocket_throw(handshake, token):
    """A subprotocol with a space, `=` or `/` makes `new WebSocket` throw a SyntaxError."""
    events = handshake("/ws/whoami/", [token])
    assert events[0]["name"] == "SyntaxError"
    assert f"The subprotocol '{token}' is invalid" in events[0]["message"]
