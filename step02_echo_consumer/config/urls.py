"""HTTP routes. WebSocket routes live in chat/routing.py."""

from django.urls import path

from chat import views

urlpatterns = [
    path("", views.index, name="index"),
]
