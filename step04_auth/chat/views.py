"""HTTP views: pick a room, then the room page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from chat.rooms import is_valid_room_name


def index(request):
    """The room picker; `?room=NAME` goes to that room, or says why the name is refused."""
    room = request.GET.get("room")
    if room is None:
        return render(request, "chat/index.html")
    room = room.strip()
    if is_valid_room_name(room):
        return redirect("room", room=room)
    error = "A room name is 1 to 50 of the letters A-Z and a-z, digits, _ and -."
    return render(request, "chat/index.html", {"error": error, "room": room}, status=400)


@login_required
def room(request, room):
    """The chat page for one room (the URL pattern has already checked the name)."""
    return render(request, "chat/room.html", {"room": room})
