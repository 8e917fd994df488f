from django.apps import AppConfig


class WebConfig(AppConfig):
    """The UI shell: base templates, navigation, room placeholders, health check."""

    name = "manyhats.web"
    label = "web"
