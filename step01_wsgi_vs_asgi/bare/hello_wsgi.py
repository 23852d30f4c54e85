"""A WSGI application without Django: a plain function the server calls once per request.

Serve it with `python bare/hello_wsgi.py [PORT]` (default 8000), from the step folder.
"""

import argparse
from wsgiref.simple_server import make_server


def app(environ, start_response):
    """Answer every request with one line of text naming its method and path."""
    # WSGI hands over the path as bytes decoded as Latin-1; undo that to read UTF-8 paths.
    path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace")
    body = f"Hello from WSGI: {environ['REQUEST_METHOD']} {path}\n".encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def main():
    """Serve `app` with the standard library's WSGI server, one request at a time."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("port", nargs="?", type=int, default=8000)
    port = parser.parse_args().port
    with make_server("127.0.0.1", port, app) as server:
        print(f"Serving on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
