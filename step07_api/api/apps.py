from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self):
        """Connect the receiver that closes the sockets of a token that was deleted."""
        from api import signals  # noqa: F401
