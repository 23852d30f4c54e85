"""Exercise 1, "Typing indicator": {"type": "typing", "to": ...} tells the recipient's tabs only."""

import pytest
from channels.db import database_sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = 0.3  # seconds a socket that should get nothing is watched for


def saved_messages():
    """How many private messages the database holds (sync: call it from a thread)."""
    from chat.models import PrivateMessage

    return PrivateMessage.objects.count()


async def test_recipient_is_told_who_is_typing(inbox, logged_in):
    """bob gets {"type": "typing", "from": "alice"} when alice types to him."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"type": "typing", "to": "bob"})
    assert await bob.receive_json_from(timeout=2) == {"type": "typing", "from": "alice"}


async def test_every_tab_of_the_recipient_is_told(inbox, logged_in):
    """Each of bob's open tabs gets the typing frame."""
    alice = await inbox(logged_in["alice"])
    tabs = [await inbox(logged_in["bob"]), await inbox(logged_in["bob"])]
    await alice.send_json_to({"type": "typing", "to": "bob"})
    received = [(await tab.receive_json_from(timeout=2))["type"] for tab in tabs]
    assert received == ["typing", "typing"]


async def test_typist_gets_nothing_back(inbox, logged_in):
    """The tab alice types in gets no frame: nothing is echoed to the sender."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"type": "typing", "to": "bob"})
    await bob.receive_json_from(timeout=2)
    assert await alice.receive_nothing(timeout=QUIET)


async def test_senders_other_tabs_are_not_told(inbox, logged_in):
    """alice's other tab is not told that alice is typing."""
    alice = await inbox(logged_in["alice"])
    other_tab = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"type": "typing", "to": "bob"})
    await bob.receive_json_from(timeout=2)
    assert await other_tab.receive_nothing(timeout=QUIET)


async def test_no_one_else_is_told(inbox, logged_in):
    """carol, who is neither typing nor typed to, gets nothing."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    carol = await inbox(logged_in["carol"])
    await alice.send_json_to({"type": "typing", "to": "bob"})
    await bob.receive_json_from(timeout=2)
    assert await carol.receive_nothing(timeout=QUIET)


async def test_typing_to_yourself_tells_no_tab(inbox, logged_in):
    """Typing to yourself reaches none of your tabs: the sender's tabs are never told."""
    alice = await inbox(logged_in["alice"])
    other_tab = await inbox(logged_in["alice"])
    await alice.send_json_to({"type": "typing", "to": "alice"})
    assert await other_tab.receive_nothing(timeout=QUIET)


async def test_typing_is_not_saved(inbox, logged_in):
    """A typing frame, even one with a "message", saves no private message."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"type": "typing", "to": "bob", "message": "not a message"})
    await bob.receive_json_from(timeout=2)
    assert await database_sync_to_async(saved_messages)() == 0


async def test_client_supplied_from_is_ignored(inbox, logged_in):
    """Whatever "from" a typing frame claims, bob is told the session's user is typing."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"type": "typing", "to": "bob", "from": "carol"})
    assert (await bob.receive_json_from(timeout=2))["from"] == "alice"


async def test_unknown_recipient_gets_an_error_frame(inbox, logged_in):
    """Typing to a username nobody has answers the usual unknown_recipient error frame."""
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"type": "typing", "to": "nobody"})
    reply = await alice.receive_json_from(timeout=2)
    assert reply == {"type": "error", "error": "unknown_recipient", "detail": reply["detail"]}


async def test_frame_without_type_is_still_a_private_message(inbox, logged_in):
    """{"to": "bob", "message": "hi"}, with no "type", is still saved and delivered as before."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "hi"})
    frame = await bob.receive_json_from(timeout=2)
    assert frame["type"] == "private"
    assert frame["message"] == "hi"
