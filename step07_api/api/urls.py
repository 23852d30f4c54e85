"""API routes under /api/: the router's viewsets, the token, the OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter()
router.register("topics", views.TopicViewSet)
router.register("channels", views.ChannelViewSet)
router.register("messages", views.MessageViewSet)

urlpatterns = [
    path("token/", views.ObtainToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    *router.urls,
]
