"""Step 6's settings with the channel layer as the Channels tutorial sets it: library defaults."""

from config.settings import *  # noqa: F403

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_HOST]},  # noqa: F405
    }
}
