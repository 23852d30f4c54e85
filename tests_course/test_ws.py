"""`course.py ws`: an Origin header by default, a login over HTTP, frames in and out."""

import http.server
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
from websockets.sync.server import serve

COURSE = Path(__file__).resolve().parent.parent / "course.py"


def ws(url, *args, lines=""):
    """Run `course.py ws URL ARGS` with LINES on stdin; return the finished process."""
    command = [sys.executable, COURSE, "--no-venv", "ws", url, *args]
    return subprocess.run(command, input=lines, capture_output=True, text=True, timeout=30)


def echo_or_close(connection):
    """Echo every frame; close with 4001 when asked to."""
    for message in connection:
        if message == "close please":
            connection.close(4001, "asked")
        else:
            connection.send(message)


def same_origin_only(connection, request):
    """Refuse the handshake unless Origin is the server's own, as the steps' check does."""
    if request.headers.get("Origin") != f"http://{request.headers['Host']}":
        return connection.respond(403, "Forbidden\n")
    return None


@pytest.fixture(scope="module")
def ws_server():
    """A WebSocket echo server on a free port that checks Origin; yields its ws:// URL."""
    with serve(echo_or_close, "127.0.0.1", 0, process_request=same_origin_only) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/ws/echo/"
        server.shutdown()


class LoginSite(http.server.BaseHTTPRequestHandler):
    """Django's login form in miniature: csrftoken on GET, sessionid after a good POST."""

    handshakes = []

    def do_GET(self):
        """Serve the login form's cookie; record a WebSocket handshake's headers and refuse it."""
        if self.path.startswith("/ws/"):
            self.handshakes.append(dict(self.headers))
            self.send_response(403)
        else:
            self.send_response(200)
            self.send_header("Set-Cookie", "csrftoken=token123; Path=/")
        self.end_headers()

    def do_POST(self):
        """Log in ada/secret when the CSRF token and Referer are right."""
        length = int(self.headers["Content-Length"])
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        good = (
            form.get("csrfmiddlewaretoken") == "token123"
            and "csrftoken=token123" in self.headers.get("Cookie", "")
            and self.headers.get("Referer", "").endswith("/accounts/login/")
            and (form.get("username"), form.get("password")) == ("ada", "secret")
        )
        self.send_response(302 if good else 200)
        if good:
            self.send_header("Set-Cookie", "sessionid=session456; Path=/; HttpOnly")
            self.send_header("Location", "/")
        self.end_headers()

    def log_message(self, *args):
        """Keep the test output quiet."""


@pytest.fixture
def login_site():
    """The miniature login site on a free port; yields its host:port."""
    LoginSite.handshakes = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), LoginSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_typed_lines_come_back_as_frames(ws_server):
    """Each line is sent as a text frame; each frame received is printed after `< `."""
    result = ws(ws_server, lines="hello\nhow are you\n")
    assert "< hello\n< how are you\n" in result.stdout


def test_default_origin_is_the_urls_own(ws_server):
    """Without --origin the handshake carries http://HOST:PORT, so same-origin checks pass."""
    assert ws(ws_server, lines="hi\n").returncode == 0


def test_end_of_input_closes_normally(ws_server):
    """Ctrl-D (end of input) closes the socket with 1000, and says so."""
    assert "Connection closed with code 1000." in ws(ws_server, lines="hi\n").stdout


def test_server_close_code_is_printed(ws_server):
    """A close from the server shows its code and reason."""
    result = ws(ws_server, lines="close please\n")
    assert "Connection closed with code 4001 (asked)." in result.stdout


def test_refused_handshake_says_the_status(ws_server):
    """A foreign Origin is refused: one sentence with the HTTP status, exit code 1."""
    result = ws(ws_server, "--origin", "http://evil.example")
    assert result.returncode == 1
    assert "refused the handshake with HTTP 403" in result.stderr


def test_nothing_listening_is_one_sentence():
    """No server at all: a sentence, not a traceback."""
    result = ws("ws://127.0.0.1:9/ws/echo/")
    assert result.returncode == 1
    assert result.stderr.startswith("Could not connect to ws://127.0.0.1:9/ws/echo/")


def test_login_sends_the_session_cookie_on_the_handshake(login_site):
    """--login logs in with the form's CSRF token, then sends only the sessionid cookie."""
    ws(f"ws://{login_site}/ws/chat/lobby/", "--login", "ada:secret")
    assert LoginSite.handshakes[0]["Cookie"] == "sessionid=session456"


def test_login_handshake_has_the_origin(login_site):
    """The handshake after a login still carries the default Origin."""
    ws(f"ws://{login_site}/ws/chat/lobby/", "--login", "ada:secret")
    assert LoginSite.handshakes[0]["Origin"] == f"http://{login_site}"


def test_wrong_password_is_one_sentence(login_site):
    """A failed login says so and exits 1, without trying the socket."""
    result = ws(f"ws://{login_site}/ws/chat/lobby/", "--login", "ada:wrong")
    assert (result.returncode, LoginSite.handshakes) == (1, [])
    assert "Logging in as 'ada'" in result.stderr


def test_not_a_websocket_url_is_refused():
    """An http:// URL is refused with an example of a right one."""
    result = ws("http://127.0.0.1:8000/ws/echo/")
    assert "is not a WebSocket URL" in result.stderr


def test_refusal_names_the_three_reasons_a_step_refuses(ws_server):
    """A 403 says the step may have no route for the path, refuse the Origin, or need a login."""
    result = ws(ws_server, "--origin", "http://evil.example")
    assert "may have no route for /ws/echo/" in result.stderr
    assert "refuse this Origin" in result.stderr
    assert "--login USER:PASSWORD" in result.stderr


def test_login_without_a_colon_says_the_form(login_site):
    """`--login ada` says the form is USER:PASSWORD, before logging in or connecting."""
    result = ws(f"ws://{login_site}/ws/chat/lobby/", "--login", "ada")
    assert (result.returncode, LoginSite.handshakes) == (1, [])
    assert "--login takes USER:PASSWORD" in result.stderr


def test_token_is_sent_in_the_authorization_header(login_site):
    """--token KEY sends `Authorization: Token KEY` on the handshake, and logs nobody in."""
    ws(f"ws://{login_site}/ws/channels/1/", "--token", "key789")
    assert LoginSite.handshakes[0]["Authorization"] == "Token key789"
    assert "Cookie" not in LoginSite.handshakes[0]
