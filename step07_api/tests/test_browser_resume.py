"""The inbox page across a server restart: what was saved while it was down shows up once."""

import pytest

from tests.helpers import DEMO_PASSWORDS, log_in_over_http

pytestmark = pytest.mark.browser

# Waits before a retry grow (up to 1 s, 2 s, 4 s, 8 s...) and a restart takes seconds: be patient.
RECONNECT_MS = 45_000

SAVE_FROM_GRACE_TO_ADA = """
from django.contrib.auth import get_user_model
from chat.models import PrivateMessage
users = get_user_model().objects
PrivateMessage.objects.create(
    sender=users.get(username="grace"), recipient=users.get(username="ada"), body={body!r}
)
"""


def save_for_ada(server, body):
    """grace's message to ada, saved straight into the server's database (no socket, no layer)."""
    server.manage("shell", "-c", SAVE_FROM_GRACE_TO_ADA.format(body=body))


def open_inbox_as_ada(page, server):
    """ada's inbox page, logged in with a session cookie, once its socket is open."""
    name, value = log_in_over_http(server, "ada", DEMO_PASSWORDS["ada"]).split("=", 1)
    page.context.add_cookies([{"name": name, "value": value, "url": server.url}])
    page.goto(f"{server.url}/inbox/")
    page.wait_for_selector("#status.open")


def test_message_saved_while_the_server_was_down_appears_once_in_order(demo_daphne, page):
    """ada's open inbox shows a message saved during a restart: once, last, without a reload."""
    save_for_ada(demo_daphne, "before the restart")
    open_inbox_as_ada(page, demo_daphne)
    page.evaluate("window.notReloaded = true")  # a reload would forget this
    demo_daphne.stop()
    try:
        page.wait_for_selector("#status.reconnecting")
        save_for_ada(demo_daphne, "saved while the server was down")
    finally:
        demo_daphne.start()
    page.wait_for_selector("#status.open", timeout=RECONNECT_MS)
    missed = page.locator("#log li.private", has_text="saved while the server was down")
    missed.wait_for()
    ids = [int(item.get_attribute("data-id")) for item in page.locator("#log li[data-id]").all()]
    assert missed.count() == 1
    newest = page.locator("#log li.private").last.inner_text()
    assert newest.endswith("grace → ada: saved while the server was down")
    assert ids == sorted(ids)
    assert page.evaluate("window.notReloaded") is True
