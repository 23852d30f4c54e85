"""HTTP views: pick a room, the room page, the private inbox, and the API's chat channels."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.models import Channel, Topic
from api.pagination import NewestLastPagination
from chat import limits
from chat.frames import BadFrame
from chat.inbox import (
    correspondents,
    delivery_groups,
    page_before,
    parse_id,
    private_event,
    save_private_message,
)
from chat.rooms import is_valid_room_name

logger = logging.getLogger(__name__)

TOPICS_SHOWN = 100  # topics on the topic index, and channels under each: no page is unbounded


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
    """The user's latest private messages (or those before `?before=<id>`), and a send form."""
    found = request.GET.getlist("before")
    if not found:
        return render_inbox(request)
    before = parse_id(found[0]) if len(found) == 1 else None
    if before is None:
        return HttpResponseBadRequest(
            "?before= must be one message id, written with the digits 0 to 9, like ?before=42.",
            content_type="text/plain; charset=utf-8",
        )
    return render_inbox(request, before=before)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox_send(request):
    """Save a private message from a plain form, deliver it live, then go back to the inbox."""
    if request.method != "POST":
        # A login redirect lands here with a GET (?next=/inbox/send/): show the inbox.
        return redirect("inbox")
    # The form counts against the same per-user limit as the sockets: a script can POST as
    # fast as it can send frames.
    try:
        wait = async_to_sync(limits.wait_before_sending)(request.user.pk)
    except (RedisConnectionError, RedisTimeoutError) as error:
        # Saving needs no Redis: save it uncounted, as the inbox socket does, and do not wait
        # for that Redis a second time (a frozen one takes 20 s) to deliver it.
        return save_without_redis(request, error)
    if wait:
        return render_inbox(request, error=limits.rate_limited(wait)["detail"], status=429)
    try:
        message = save_private_message(request.user, request.POST)
    except BadFrame as error:
        return render_inbox(request, error=error.detail, status=400)
    channel_layer = get_channel_layer()
    try:
        for group in delivery_groups(message):
            async_to_sync(channel_layer.group_send)(group, private_event(message))
    except (RedisConnectionError, RedisTimeoutError) as error:
        log_not_sent_live(message, error)
    return redirect("inbox")


def save_without_redis(request, error):
    """Save a form's message while Redis is unreachable, then go back to the inbox as usual."""
    try:
        message = save_private_message(request.user, request.POST)
    except BadFrame as bad_input:
        return render_inbox(request, error=bad_input.detail, status=400)
    log_not_sent_live(message, error)
    return redirect("inbox")


def log_not_sent_live(message, error):
    """Say that a saved message reached no socket: Redis is unreachable."""
    # Saved, so the user is not told to send it again (a 500 would invite that): the recipient's
    # pages get it when they next load or resume.
    logger.warning("Redis is unreachable; message %s saved, not sent live: %s", message.id, error)


def render_inbox(request, error=None, status=200, before=None):
    """An inbox page, with an error sentence above the form when a send was refused."""
    messages, older = page_before(request.user, before)
    context = {
        "private_messages": messages,
        # The id the "Older messages" link starts from: the oldest message on this page.
        "older_than": messages[0].id if older else None,
        "before": before,
        "correspondents": correspondents(request.user),
        "error": error,
        "form_data": request.POST,
    }
    return render(request, "chat/inbox.html", context, status=status)


@login_required
def topics(request):
    """The topic index: topics and their chat channels, each linking to its channel page."""
    # A sliced prefetch needs a `to_attr`: topic.channels.all() would be the whole set.
    channels = Prefetch("channels", Channel.objects.all()[:TOPICS_SHOWN], to_attr="shown_channels")
    found = Topic.objects.prefetch_related(channels)[:TOPICS_SHOWN]
    return render(request, "chat/topics.html", {"topics": found})


@login_required
def channel(request, topic, channel):
    """A chat channel's page: its latest messages, newest last, then live ones (channel.js)."""
    found = get_object_or_404(
        Channel.objects.select_related("topic"), topic__slug=topic, slug=channel
    )
    # As many as the API's first page (GET /api/messages/?channel=<id>), which the page asks
    # for again after a reconnect to fill the gap: the same page, the same order.
    latest = found.messages.select_related("author").order_by("-id")
    context = {"channel": found, "channel_messages": latest[: NewestLastPagination.page_size][::-1]}
    return render(request, "chat/channel.html", context)
