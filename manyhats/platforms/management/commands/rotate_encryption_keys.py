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
            if undecryptable:
                self.stderr.write(
                    f"{model._meta.label}: {undecryptable} rows hold values no configured key "
                    "decrypts; they were left as they are."
                )
