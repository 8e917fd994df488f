from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "manyhats.workspaces"
    label = "workspaces"
