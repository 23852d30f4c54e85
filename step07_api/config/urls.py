"""HTTP routes. WebSocket routes live in chat/routing.py."""

from django.urls import include, path, re_path

from chat import views
from chat.rooms import ROOM_NAME

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/", include("accounts.urls")),
    re_path(rf"^chat/(?P<room>{ROOM_NAME})/$", views.room, name="room"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/send/", views.inbox_send, name="inbox_send"),
    path("topics/", views.topics, name="topics"),
    path("topics/<slug:topic>/<slug:channel>/", views.channel, name="channel"),
    path("api/", include("api.urls")),
]
