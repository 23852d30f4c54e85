"""HTTP routes."""

from django.urls import path

from chat import views

urlpatterns = [
    path("", views.index, name="index"),
    path("sync/", views.sync_view, name="sync"),
    path("async/", views.async_view, name="async"),
]
