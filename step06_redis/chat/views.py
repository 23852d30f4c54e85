"""HTTP views: pick a room, the room page, and the private inbox."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chat.frames import BadFrame
from chat.inbox import delivery_groups, history, private_event, save_private_message
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


@login_required
def inbox(request):
    """The user's private messages, oldest first, and a form to send one."""
    return render_inbox(request)


@login_required
@require_POST
def inbox_send(request):
    """Save a private message from a plain form, deliver it live, then go back to the inbox."""
    try:
        message = save_private_message(request.user, request.POST)
    except BadFrame as error:
        return render_inbox(request, error=error.detail, status=400)
    channel_layer = get_channel_layer()
    for group in delivery_groups(message):
        async_to_sync(channel_layer.group_send)(group, private_event(message))
    return redirect("inbox")


def render_inbox(request, error=None, status=200):
    """The inbox page, with an error sentence above the form when a send was refused."""
    context = {
        "private_messages": history(request.user),
        "usernames": get_user_model()
        .objects.exclude(pk=request.user.pk)
        .values_list("username", flat=True),
        "error": error,
        "form_data": request.POST,
    }
    return render(request, "chat/inbox.html", context, status=status)
