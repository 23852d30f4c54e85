"""Inbox group names, and conversation group names, checked against the channel layer itself."""

import asyncio
import re

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model

# chat.inbox is imported inside the tests that use it: on a copy of the step before, which
# lacks it, `course.py check` can still load this file and grade its other tests.


# BigAutoField's largest primary key: the longest inbox group name there can be.
LARGEST_PK = 2**63 - 1
# DESIGN's rule for a group name, stricter than the layer's own check (which lets "\n" through).
GROUP_NAME = re.compile(r"[A-Za-z0-9_.-]{1,99}")
# Usernames Django accepts that no group name can hold.
AWKWARD_USERNAMES = ["alice@example.com", "a+b", "x" * 150]


@pytest.mark.parametrize("pk", [1, 42, LARGEST_PK])
def test_inbox_group_name_is_valid_for_any_primary_key(pk):
    """The layer accepts the group name built from any primary key, the largest included."""
    from chat.inbox import inbox_group_name

    assert get_channel_layer().require_valid_group_name(inbox_group_name(pk))


@pytest.mark.parametrize("pk", [1, 42, LARGEST_PK])
def test_inbox_group_name_follows_the_design_rule(pk):
    """The name is 1 to 99 of A-Z a-z 0-9 _ . - and nothing else, not even a final newline."""
    from chat.inbox import inbox_group_name

    assert GROUP_NAME.fullmatch(inbox_group_name(pk))


def test_largest_inbox_group_name_is_25_characters():
    """inbox.9223372036854775807 is the longest there can be: far under the limit."""
    from chat.inbox import inbox_group_name

    assert len(inbox_group_name(LARGEST_PK)) == 25


def test_inbox_group_name_refuses_anything_but_an_integer():
    """A username passed by mistake raises ValueError instead of making a bad group name."""
    from chat.inbox import inbox_group_name

    with pytest.raises(ValueError):
        inbox_group_name("alice@example.com")


def test_inbox_group_names_differ_between_users():
    """Two users never share an inbox group."""
    from chat.inbox import inbox_group_name

    assert inbox_group_name(1) != inbox_group_name(11)


@pytest.mark.parametrize("username", AWKWARD_USERNAMES)
def test_django_accepts_the_username(username):
    """The username field takes it: up to 150 of ASCII letters, digits and @ . + - _."""
    field = get_user_model()._meta.get_field("username")
    assert field.clean(username, None) == username


@pytest.mark.parametrize("username", AWKWARD_USERNAMES)
def test_group_name_built_from_the_username_is_refused(username):
    """The tutorial-style name inbox_<username> is refused for that same username."""
    with pytest.raises(TypeError, match="Group name must be"):
        get_channel_layer().require_valid_group_name(f"inbox_{username}")


async def test_joining_a_group_named_from_the_username_fails():
    """group_add itself refuses inbox_alice@example.com: the consumer would crash on connect."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    with pytest.raises(TypeError):
        await layer.group_add("inbox_alice@example.com", channel)


async def test_group_send_to_a_group_nobody_joined_raises_nothing():
    """A message for a user with no tab open is delivered to no one, without an error."""
    assert await get_channel_layer().group_send("inbox.999999", {"type": "inbox.private"}) is None


@pytest.fixture
async def alice_and_bob_channels():
    """Two channels on the layer, as two consumers would have; removed from their groups after."""
    layer = get_channel_layer()
    channels = [await layer.new_channel(), await layer.new_channel()]
    joined = []

    async def join(group, channel):
        await layer.group_add(group, channel)
        joined.append((group, channel))

    yield layer, channels, join
    for group, channel in joined:
        await layer.group_discard(group, channel)


async def test_conversation_groups_named_me_then_them_never_meet(alice_and_bob_channels):
    """alice joins chat_alice_bob, bob joins chat_bob_alice: what alice sends never reaches bob."""
    layer, (alice, bob), join = alice_and_bob_channels
    await join("chat_alice_bob", alice)
    await join("chat_bob_alice", bob)
    await layer.group_send("chat_alice_bob", {"type": "chat.message", "message": "hi bob"})
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(bob), timeout=0.2)


async def test_conversation_groups_named_from_the_sorted_pair_meet(alice_and_bob_channels):
    """Ordering the pair of primary keys gives both ends the same group, so bob hears alice."""
    layer, (alice, bob), join = alice_and_bob_channels
    alice_pk, bob_pk = 1, 2
    await join(f"dm.{min(alice_pk, bob_pk)}.{max(alice_pk, bob_pk)}", alice)
    await join(f"dm.{min(bob_pk, alice_pk)}.{max(bob_pk, alice_pk)}", bob)
    await layer.group_send("dm.1.2", {"type": "chat.message", "message": "hi bob"})
    received = await asyncio.wait_for(layer.receive(bob), timeout=2)
    assert received["message"] == "hi bob"
