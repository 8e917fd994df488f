from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "manyhats.accounts"
    label = "accounts"
