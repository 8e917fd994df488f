"""The LinkedIn connector: organization pages through the Community Management API.

Wire reference: /docs platforms/linkedin.md. The parts live next to this file:
oauth.py (connect, refresh), media.py (uploads), publish.py (posts),
engage.py (comments), insights.py (statistics); api.py holds the shared
plumbing, restli.py the Rest.li encoding and little_text.py the commentary
escaping.

What LinkedIn pages cannot do, and so is not declared: hiding comments, direct
messages, stories, native scheduling, webhooks (only for separately approved
products; manyhats polls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext as _

from manyhats.platforms.base import AccountLimits, Capability
from manyhats.platforms.linkedin.insights import InsightsMixin
from manyhats.platforms.linkedin.oauth import OAuthMixin
from manyhats.platforms.linkedin.publish import PublishMixin

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

PUBLISHING = frozenset({
    Capability.PUBLISH_TEXT, Capability.PUBLISH_LINK, Capability.PUBLISH_IMAGE,
    Capability.PUBLISH_MULTI_IMAGE, Capability.PUBLISH_VIDEO, Capability.PUBLISH_DOCUMENT,
    Capability.FIRST_COMMENT, Capability.COMMENTS_REPLY, Capability.COMMENTS_DELETE,
    Capability.DELETE_POST,
})  # fmt: skip
# The scope each group of capabilities needs (an account without known scopes gets everything).
SCOPE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "w_organization_social": PUBLISHING,
    "r_organization_social": frozenset({Capability.COMMENTS_READ}),
    "rw_organization_admin": frozenset({Capability.POST_INSIGHTS, Capability.ACCOUNT_INSIGHTS}),
}


class LinkedInConnector(OAuthMixin, PublishMixin, InsightsMixin):
    platform = "linkedin"
    supported: ClassVar[frozenset[Capability]] = frozenset().union(*SCOPE_CAPABILITIES.values())

    def capabilities(self, account: ConnectedAccount | None = None) -> frozenset[Capability]:
        """What the scopes granted to `account` allow (everything when they are unknown)."""
        account = account or self.account
        if account is None or not account.scopes:
            return self.supported
        granted = set(account.scopes)
        return frozenset(
            cap for scope, caps in SCOPE_CAPABILITIES.items() if scope in granted for cap in caps
        )

    def limits(self, account: ConnectedAccount) -> AccountLimits:
        """Whether the connecting member still administers the page (LinkedIn publishes no quotas)."""
        token = self.token_of(account)
        pages = self.administered_organizations(token)
        if self.author_of(account) in pages:
            return AccountLimits(raw={"administrator": True})
        return AccountLimits(
            can_post=False,
            reason=_(
                "The person who connected this page is no longer one of its administrators on "
                "LinkedIn. Reconnect it as a page administrator."
            ),
            raw={"administrator": False},
        )
