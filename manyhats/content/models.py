"""Models of the content room. The media library lives in `content.media`; posts come later."""

from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack

__all__ = ["MediaAsset", "Rendition", "SubtitleTrack"]
