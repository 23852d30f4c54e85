"""A topic with two chat channels, so that a fresh database has somewhere to talk.

Only staff can make topics and channels (through the API), and a new site has no staff yet.
"""

from django.db import migrations

TOPIC = {"slug": "realtime-django", "name": "Real-time Django"}
CHANNELS = [{"slug": "general", "name": "General"}, {"slug": "help", "name": "Help"}]


def create_demo_topic(apps, schema_editor):
    """Create the demo topic and its channels, unless they are there already."""
    Topic = apps.get_model("api", "Topic")
    Channel = apps.get_model("api", "Channel")
    topic, _ = Topic.objects.get_or_create(slug=TOPIC["slug"], defaults={"name": TOPIC["name"]})
    for channel in CHANNELS:
        Channel.objects.get_or_create(topic=topic, slug=channel["slug"], defaults=channel)


def delete_demo_topic(apps, schema_editor):
    """Delete the demo topic, its channels and their messages."""
    apps.get_model("api", "Topic").objects.filter(slug=TOPIC["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(create_demo_topic, delete_demo_topic)]
