"""What the rows of a file may name in the workspace."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from manyhats.content.forms import formats_of
from manyhats.content.media.models import MediaAsset
from manyhats.content.posts.models import Campaign, ComposerSettings, Persona, Pillar
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.models import Workspace


def norm(text: str) -> str:
    return " ".join(text.strip().lstrip("@").split()).casefold()


@dataclass
class Vocabulary:
    """What rows may name: the workspace's accounts, media, pillars, personas, campaigns."""

    workspace: Workspace
    accounts: list[ConnectedAccount]
    settings: ComposerSettings
    pillars: dict[str, Pillar]
    personas: dict[str, Persona]
    campaigns: dict[str, Campaign]
    formats: dict[int, list[str]]

    @classmethod
    def of(cls, workspace: Workspace) -> Vocabulary:
        accounts = list(
            ConnectedAccount.objects.filter(workspace=workspace).order_by("platform", "name")
        )
        campaigns: dict[str, Campaign] = {}
        for c in Campaign.objects.filter(workspace=workspace):
            campaigns[norm(c.name)] = c
            campaigns.setdefault(norm(c.slug), c)
        return cls(
            workspace=workspace,
            accounts=accounts,
            settings=ComposerSettings.of(workspace),
            pillars={norm(p.name): p for p in Pillar.objects.filter(workspace=workspace)},
            personas={norm(p.name): p for p in Persona.objects.filter(workspace=workspace)},
            campaigns=campaigns,
            formats={a.pk: formats_of(a) for a in accounts},
        )

    def account_label(self, account: ConnectedAccount) -> str:
        return f"{PLATFORM_NAMES.get(str(account.platform), account.platform)}:{account.name}"

    def find_account(self, ref: str) -> list[ConnectedAccount]:
        """`instagram:acme.se`, `Instagram: acme.se`, `acme.se`, `@acme.se` or, when the
        workspace has one account there, `instagram`. Several matches: all of them."""
        wanted = norm(ref)
        platform, _sep, name = wanted.partition(":")
        if _sep:
            name = norm(name)
            return [
                a
                for a in self.accounts
                if self._platform_matches(a, platform)
                and name in (norm(a.name), norm(a.username), norm(a.external_id))
            ]
        by_name = [
            a
            for a in self.accounts
            if wanted in (norm(a.name), norm(a.username), norm(a.external_id))
        ]
        if by_name:
            return by_name
        return [a for a in self.accounts if self._platform_matches(a, wanted)]

    @staticmethod
    def _platform_matches(account: ConnectedAccount, text: str) -> bool:
        names = {
            str(account.platform),
            str(PLATFORM_NAMES.get(str(account.platform), "")).casefold(),
        }
        return text in names

    def media(self, refs: Sequence[str]) -> tuple[list[MediaAsset], list[str]]:
        """The assets named (by id or file name), and the names not found."""
        found: list[MediaAsset] = []
        missing: list[str] = []
        for ref in refs:
            asset = None
            value = ref.strip()
            if re.fullmatch(r"[0-9a-fA-F-]{32,36}", value):
                asset = MediaAsset.objects.filter(workspace=self.workspace, uuid=value).first()
            if asset is None:
                asset = (
                    MediaAsset.objects.filter(workspace=self.workspace)
                    .filter(Q(original_name__iexact=value) | Q(title__iexact=value))
                    .order_by("-created_at")
                    .first()
                )
            if asset is None:
                missing.append(value)
            else:
                found.append(asset)
        return found, missing
