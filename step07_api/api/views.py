"""The API's views: a viewset per model, and the token a program logs in with."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated

from api import live
from api.models import Channel, Message, Topic
from api.pagination import NewestLastPagination
from api.permissions import IsAuthorOrReadOnly, IsStaffOrReadOnly
from api.serializers import (
    ChannelSerializer,
    MessageSerializer,
    TokenSerializer,
    TopicSerializer,
)
from api.throttles import MessageRateThrottle
from chat.inbox import parse_id

# Ids in URLs are digits: /api/messages/abc/ is no route (404), not a lookup that fails.
ID = "[0-9]+"


def filtered(queryset, request, name):
    """QUERYSET narrowed to `?NAME=<id>` when the request has one; 400 when that is no id."""
    found = request.query_params.getlist(name)
    if not found:
        return queryset
    # parse_id: ASCII digits only, and an id too large for the database means "none of them".
    wanted = parse_id(found[0]) if len(found) == 1 else None
    if wanted is None:
        detail = f"{name} must be one id, written with the digits 0 to 9, like ?{name}=3."
        raise ValidationError({name: [detail]})
    return queryset.filter(**{f"{name}_id": wanted})


def filter_parameter(name, what):
    """The schema's description of a `?NAME=<id>` filter on a list."""
    return extend_schema(parameters=[OpenApiParameter(name, int, description=f"Only {what}.")])


class TopicViewSet(viewsets.ModelViewSet):
    """Topics: everyone logged in reads them, staff create, change and delete them."""

    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    permission_classes = [IsAuthenticated, IsStaffOrReadOnly]
    lookup_value_regex = ID


@extend_schema_view(list=filter_parameter("topic", "the channels of this topic"))
class ChannelViewSet(viewsets.ModelViewSet):
    """Chat channels, `?topic=<id>` for one topic's: read by all, written by staff."""

    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    permission_classes = [IsAuthenticated, IsStaffOrReadOnly]
    lookup_value_regex = ID

    def filter_queryset(self, queryset):
        """A list narrowed to `?topic=<id>`."""
        return filtered(super().filter_queryset(queryset), self.request, "topic")


@extend_schema_view(list=filter_parameter("channel", "the messages of this channel"))
class MessageViewSet(viewsets.ModelViewSet):
    """Messages, `?channel=<id>` for one channel's, newest last; each change is sent live.

    Anyone logged in reads and posts; only a message's author edits or deletes it.
    """

    queryset = Message.objects.select_related("author")
    serializer_class = MessageSerializer
    permission_classes = [IsAuthenticated, IsAuthorOrReadOnly]
    pagination_class = NewestLastPagination
    throttle_classes = [MessageRateThrottle]
    lookup_value_regex = ID

    def filter_queryset(self, queryset):
        """A list narrowed to `?channel=<id>`."""
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset  # /api/messages/7/ is message 7, whatever the query string says
        return filtered(queryset, self.request, "channel")

    def perform_create(self, serializer):
        """Save the message as the user who sent the request; the body has no say in it."""
        serializer.save(author=self.request.user)

    def perform_destroy(self, instance):
        """Delete the message, then tell its channel, once the deletion is committed."""
        channel_id, message_id = instance.channel_id, instance.pk
        instance.delete()
        live.announce_deleted(channel_id, message_id)


class ObtainToken(ObtainAuthToken):
    """POST a username and password, get `{"token": "<key>"}` for `Authorization: Token <key>`."""

    serializer_class = TokenSerializer
    # Anyone may ask, and nobody needs to be logged in first: SessionAuthentication would
    # refuse a logged-in page's POST that lacks a CSRF token, and there is no session to guard.
    authentication_classes = []
    permission_classes = [AllowAny]
