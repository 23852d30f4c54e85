"""Inbox group names, checked by the channel layer's own validation."""

import pytest
from channels.layers import get_channel_layer

from chat.inbox import inbox_group_name

# BigAutoField's largest primary key: the longest inbox group name there can be.
LARGEST_PK = 2**63 - 1


@pytest.mark.parametrize("pk", [1, 42, LARGEST_PK])
def test_inbox_group_name_is_valid_for_any_primary_key(pk):
    """The layer accepts the group name built from any primary key, the largest included."""
    assert get_channel_layer().require_valid_group_name(inbox_group_name(pk))


def test_inbox_group_names_differ_between_users():
    """Two users never share an inbox group."""
    assert inbox_group_name(1) != inbox_group_name(11)


@pytest.mark.parametrize("username", ["alice@example.com", "a+b", "zoë", "x" * 150])
def test_group_name_built_from_the_username_is_refused(username):
    """The tutorial-style name inbox_<username> is refused for usernames Django allows."""
    with pytest.raises(TypeError, match="Group name must be"):
        get_channel_layer().require_valid_group_name(f"inbox_{username}")


async def test_joining_a_group_named_from_the_username_fails():
    """group_add itself refuses inbox_alice@example.com: the consumer would crash on connect."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    with pytest.raises(TypeError):
        await layer.group_add("inbox_alice@example.com", channel)
