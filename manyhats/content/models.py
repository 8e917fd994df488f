"""Models of the content room: the media library (`content.media`) and posts (`content.posts`)."""

from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.posts.models import (
    CalendarFeed,
    CallToAction,
    Campaign,
    ComposerSettings,
    FrequencyTarget,
    HashtagGroup,
    Persona,
    Pillar,
    PlatformGoal,
    Post,
    PostEvent,
    PostMedia,
    PostTarget,
)

__all__ = [
    "CalendarFeed",
    "CallToAction",
    "Campaign",
    "ComposerSettings",
    "FrequencyTarget",
    "HashtagGroup",
    "MediaAsset",
    "Persona",
    "Pillar",
    "PlatformGoal",
    "Post",
    "PostEvent",
    "PostMedia",
    "PostTarget",
    "Rendition",
    "SubtitleTrack",
]
