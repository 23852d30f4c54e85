"""`ws`: talk to a WebSocket from the terminal, logging in over HTTP first if asked."""

import http.cookiejar
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Do not follow redirects: after a login POST, the redirect itself means success."""

    def redirect_request(self, *args, **kwargs):
        """Follow nothing."""
        return None


def cookie(jar, name):
    """The value of the cookie NAME in JAR, or None."""
    return next((each.value for each in jar if each.name == name), None)


def login(site, credentials):
    """Log in through the site's login form, like a browser; return the session cookie."""
    username, _, password = credentials.partition(":")
    url = f"{site}/accounts/login/"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), KeepRedirects)
    try:
        opener.open(url, timeout=10).close()
        form = {"username": username, "password": password}
        form["csrfmiddlewaretoken"] = cookie(jar, "csrftoken") or ""
        data = urllib.parse.urlencode(form).encode()
        opener.open(urllib.request.Request(url, data, {"Referer": url}), timeout=10).close()
    except urllib.error.HTTPError as error:
        if error.code != 302:
            sys.exit(f"Could not log in at {url}: HTTP {error.code} {error.reason}.")
    except urllib.error.URLError as error:
        sys.exit(f"Could not reach {url}: {error.reason}.")
    session = cookie(jar, "sessionid")
    if not session:
        sys.exit(f"Logging in as {username!r} at {url} failed: wrong username or password?")
    return session


def send_lines(connection, end_of_input):
    """Send every line typed on stdin as a text frame; set END_OF_INPUT after the last one."""
    from websockets.exceptions import ConnectionClosed

    try:
        for line in sys.stdin:
            connection.send(line.rstrip("\n"))
    except ConnectionClosed:
        pass
    end_of_input.set()


def print_frames(connection, end_of_input):
    """Print frames until the connection closes, closing it a second after input ends."""
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            try:
                message = connection.recv(timeout=1)
            except TimeoutError:
                # After Ctrl-D, or the end of piped input, answers may still be on their way.
                if end_of_input.is_set():
                    connection.close()
                continue
            print(f"< {message}" if isinstance(message, str) else f"< {message!r}", flush=True)
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else 1006
        reason = f" ({closed.rcvd.reason})" if closed.rcvd and closed.rcvd.reason else ""
        print(f"Connection closed with code {code}{reason}.")


def refusal(status, path, origin, logged_in):
    """The sentences that say a handshake was refused, and for a 403 why it may have been."""
    sentence = (
        f"The server refused the handshake with HTTP {status} "
        f"(Origin sent: {origin}; logged in: {'yes' if logged_in else 'no'})."
    )
    if status == 403:
        login = "" if logged_in else ", or, from step 4 on, need a login: --login USER:PASSWORD"
        sentence += (
            f"\nThe running step may have no route for {path} (its README's Contract lists its "
            "URLs), or refuse this Origin (it takes only its own scheme, host and port)"
            f"{login}."
        )
    return sentence


def cmd_ws(args):
    """Talk to a WebSocket: lines typed are sent as text frames, frames received are printed."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = urllib.parse.urlsplit(args.url)
    if url.scheme not in ("ws", "wss") or not url.hostname:
        sys.exit(f"{args.url!r} is not a WebSocket URL; it looks like ws://127.0.0.1:8000/ws/echo/")
    site = f"{'https' if url.scheme == 'wss' else 'http'}://{url.netloc.rpartition('@')[2]}"
    origin = args.origin or site
    if args.login and ":" not in args.login:
        sys.exit(f"--login takes USER:PASSWORD, such as ada:ada-demo-password; not {args.login!r}.")
    headers = {"Cookie": f"sessionid={login(site, args.login)}"} if args.login else {}
    if args.token:
        # As a program authenticates to step 7's API, and never in the URL, where logs keep it.
        headers["Authorization"] = f"Token {args.token}"
    try:
        connection = connect(args.url, origin=origin, additional_headers=headers)
    except InvalidStatus as error:
        logged_in = args.login or args.token
        sys.exit(refusal(error.response.status_code, url.path, origin, logged_in))
    except OSError as error:
        sys.exit(f"Could not connect to {args.url}: {error}. Is the step running?")
    end_of_input = threading.Event()
    with connection:
        print(f"Connected to {args.url} (Origin: {origin}). Type a line to send it; Ctrl-D quits.")
        threading.Thread(target=send_lines, args=(connection, end_of_input), daemon=True).start()
        try:
            print_frames(connection, end_of_input)
        except KeyboardInterrupt:
            pass
    return 0
