from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "manyhats.sandbox"
    label = "sandbox"
    verbose_name = "Platform sandbox"
