from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        """Connect the receivers that close the sockets of a session that ended."""
        from accounts import signals  # noqa: F401
