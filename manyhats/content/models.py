"""Models of the content room: the media library (`content.media`) and posts (`content.posts`)."""

from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.posts.models import (
    CallToAction,
    Campaign,
    ComposerSettings,
    HashtagGroup,
    Persona,
    Pillar,
    Post,
    PostEvent,
    PostMedia,
    PostTarget,
)

__all__ = [
    "CallToAction",
    "Campaign",
    "ComposerSettings",
    "HashtagGroup",
    "MediaAsset",
    "Persona",
    "Pillar",
    "Post",
    "PostEvent",
    "PostMedia",
    "PostTarget",
    "Rendition",
    "SubtitleTrack",
]
