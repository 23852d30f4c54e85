"""Exercise 1, "Name the layer on every page": core or pubsub, next to the process label."""

import pytest

pytestmark = [pytest.mark.no_redis, pytest.mark.django_db]

BACKENDS = {
    "core": "chat.layers.WaitingRedisChannelLayer",
    "pubsub": "chat.layers.ForgettingPubSubChannelLayer",
}
# (path, who must be logged in to see it)
PAGES = [
    ("/", None),
    ("/accounts/login/", None),
    ("/accounts/signup/", None),
    ("/chat/lobby/", "ada"),
    ("/inbox/", "ada"),
]


@pytest.mark.parametrize("layer", sorted(BACKENDS))
@pytest.mark.parametrize("path, who", PAGES)
def test_every_page_names_the_channel_layer(client, django_user_model, settings, layer, path, who):
    """Each page's footer holds <code id="channel-layer">core</code> (or pubsub)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": BACKENDS[layer]}}
    if who:
        client.force_login(django_user_model.objects.create_user(who))
    page = client.get(path).content.decode()
    assert f'<code id="channel-layer">{layer}</code>' in page


def test_process_label_is_still_on_the_page(client, settings):
    """The footer still says which process served the page, beside the layer."""
    settings.PROCESS_LABEL = "server-8001"
    page = client.get("/").content.decode()
    assert '<code id="process-label">server-8001</code>' in page
