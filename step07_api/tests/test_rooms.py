"""Room names and the group names built from them."""

import re

import pytest
from channels.layers import InMemoryChannelLayer

# chat.rooms is imported inside the tests that use it: on a copy of the step before, which
# lacks it, `course.py check` can still load this file and grade its other tests.


def test_longest_room_gives_a_group_name_the_layer_accepts():
    """A 50-character room still makes a group name under the layer's 100-character limit."""
    from chat.rooms import room_group_name

    assert InMemoryChannelLayer().require_valid_group_name(room_group_name("x" * 50))


@pytest.mark.parametrize("room", ["café", "a b", "a.b", "٣", "", "x" * 51, "lobby\n"])
def test_group_name_is_never_built_from_an_invalid_room(room):
    """room_group_name refuses a name that is not 1-50 of A-Z a-z 0-9 _ -."""
    from chat.rooms import room_group_name

    with pytest.raises(ValueError):
        room_group_name(room)


def test_python_w_matches_accented_letters():
    """Python's \\w is Unicode: it matches "café", so it cannot be used to check room names."""
    assert re.fullmatch(r"\w{1,50}", "café")


def test_python_d_matches_arabic_indic_digits():
    """Python's \\d is Unicode too: "٣" (Arabic-Indic three) is a digit to it."""
    assert re.fullmatch(r"\d+", "٣")


def test_room_pattern_refuses_what_w_accepts():
    """The room pattern spells out ASCII classes, so "café" is refused."""
    from chat.rooms import is_valid_room_name

    assert not is_valid_room_name("café")


def test_layer_refuses_a_non_ascii_group_name():
    """The channel layer raises TypeError for a group name holding "é"."""
    with pytest.raises(TypeError):
        InMemoryChannelLayer().require_valid_group_name("chat.room.café")


def test_layer_check_lets_arabic_indic_digits_through():
    """Channels checks group names with \\d, so "٣" passes its check: validate names yourself."""
    assert InMemoryChannelLayer().require_valid_group_name("chat.room.٣")


def test_layer_refuses_a_group_name_of_100_characters():
    """A group name must be shorter than 100 characters."""
    with pytest.raises(TypeError):
        InMemoryChannelLayer().require_valid_group_name("x" * 100)


def test_layer_check_lets_a_trailing_newline_through():
    """Channels' check ends in $, which also matches before a final newline: "lobby\\n" passes."""
    assert InMemoryChannelLayer().require_valid_group_name("chat.room.lobby\n")
