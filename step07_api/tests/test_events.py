"""How Channels turns an event's "type" into the name of the consumer method it calls."""

import pytest
from channels.consumer import get_handler_name


def test_dots_in_the_type_become_underscores():
    """An event of type "chat.message" calls the method chat_message."""
    assert get_handler_name({"type": "chat.message"}) == "chat_message"


def test_type_with_a_leading_underscore_is_refused():
    """A type that would name a private method (".secret" gives "_secret") raises ValueError."""
    with pytest.raises(ValueError):
        get_handler_name({"type": ".secret"})
