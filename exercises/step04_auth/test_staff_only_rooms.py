"""Exercise 3, "Staff-only rooms": rooms named "staff-..." are for users with is_staff."""

import pytest
from channels.db import database_sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


def make_staff(login):
    """Mark a logged-in user as staff; their session stays valid."""
    login.user.is_staff = True
    login.user.save(update_fields=["is_staff"])
    return login


async def test_staff_room_socket_refuses_a_user_who_is_not_staff(connect, logged_in):
    """A logged-in user without is_staff is refused at the handshake of /ws/chat/staff-lounge/."""
    _, connected = await connect("/ws/chat/staff-lounge/", headers=logged_in["alice"].headers)
    assert not connected


async def test_staff_room_socket_accepts_a_staff_user(connect, logged_in):
    """A user with is_staff opens /ws/chat/staff-lounge/."""
    alice = await database_sync_to_async(make_staff)(logged_in["alice"])
    _, connected = await connect("/ws/chat/staff-lounge/", headers=alice.headers)
    assert connected


async def test_staff_room_relays_between_staff_users(connect, logged_in):
    """Two staff users in a staff room chat as in any other room."""
    alice = await database_sync_to_async(make_staff)(logged_in["alice"])
    bob = await database_sync_to_async(make_staff)(logged_in["bob"])
    sockets = []
    for login in (alice, bob):
        socket, connected = await connect("/ws/chat/staff-lounge/", headers=login.headers)
        assert connected, f"{login.user.username} (staff) was refused"
        sockets.append(socket)
    await sockets[0].send_json_to({"message": "staff only"})
    while (frame := await sockets[1].receive_json_from(timeout=2))["type"] != "message":
        pass  # frames of other exercises (who joined, ...) are not this one's business
    assert frame["username"] == "alice"
    assert frame["message"] == "staff only"


@pytest.mark.parametrize("room", ["lobby", "staff", "staffroom", "my-staff-room"])
async def test_other_rooms_accept_users_who_are_not_staff(connect, logged_in, room):
    """Only names that start with "staff-" are restricted: lobby, staff and staffroom are not."""
    _, connected = await connect(f"/ws/chat/{room}/", headers=logged_in["alice"].headers)
    assert connected


def test_staff_room_page_is_forbidden_to_a_user_who_is_not_staff(logged_in):
    """GET /chat/staff-lounge/ answers 403 Forbidden to a logged-in user without is_staff."""
    assert logged_in["alice"].client.get("/chat/staff-lounge/").status_code == 403


def test_staff_room_page_is_served_to_a_staff_user(logged_in):
    """GET /chat/staff-lounge/ answers 200 to a user with is_staff."""
    alice = make_staff(logged_in["alice"])
    assert alice.client.get("/chat/staff-lounge/").status_code == 200


def test_staff_room_page_still_sends_anonymous_users_to_log_in(client):
    """An anonymous visitor to /chat/staff-lounge/ is redirected to the login page, as before."""
    response = client.get("/chat/staff-lounge/")
    assert response.status_code == 302
    assert response["Location"].split("?")[0] == "/accounts/login/"
