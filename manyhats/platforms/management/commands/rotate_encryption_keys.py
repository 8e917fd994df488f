"""Re-encrypt every encrypted column with the first key of MANYHATS_ENCRYPTION_KEYS."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from manyhats.platforms.crypto import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt stored tokens with the first key of MANYHATS_ENCRYPTION_KEYS, "
        "so older keys can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            fields = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            count = undecryptable = 0
            for obj in model._default_manager.iterator(chunk_size=200):
                if any(getattr(obj, name).undecryptable for name in fields):
                    undecryptable += 1
                with transaction.atomic():
                    obj.save(update_fields=fields)
                count += 1
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
            if hasattr(model, "rotate_meta_secrets"):
                self._rotate_meta(model)
            if undecryptable:
                self.stderr.write(
                    f"{model._meta.label}: {undecryptable} rows hold values no configured key "
                    "decrypts; they were left as they are."
                )

    def _rotate_meta(self, model: Any) -> None:
        """Secrets a connector keeps inside the JSON `meta` (see ENCRYPTED_META_VALUES)."""
        rotated = unreadable = 0
        for obj in model._default_manager.exclude(meta={}).iterator(chunk_size=200):
            done, bad = obj.rotate_meta_secrets()
            rotated, unreadable = rotated + done, unreadable + bad
            if done:
                obj.save(update_fields=["meta"])
        self.stdout.write(f"{model._meta.label}: {rotated} secrets inside meta re-encrypted")
        if unreadable:
            self.stderr.write(
                f"{model._meta.label}: {unreadable} secrets inside meta no configured key "
                "decrypts; they were left as they are."
            )
