from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "manyhats.content"
    label = "content"
    verbose_name = _("Content")

    def ready(self) -> None:
        from PIL import Image

        from manyhats.content.media.images import image_pixel_limit
        from manyhats.workspaces.audit import ACTION_LABELS, FIELD_LABELS

        # Pillow warns past this many pixels and refuses at twice as many; our
        # own check refuses at the limit itself (see media.images).
        Image.MAX_IMAGE_PIXELS = image_pixel_limit()
        ACTION_LABELS.update(
            {
                "media.uploaded": _("Media uploaded"),
                "media.updated": _("Media details changed"),
                "media.deleted": _("Media deleted"),
                "post.created": _("Post created"),
                "post.updated": _("Post changed"),
                "post.submitted": _("Post submitted for approval"),
                "post.approved": _("Post approved"),
                "post.rejected": _("Changes asked for"),
                "post.deleted": _("Post deleted"),
                "post.scheduled": _("Post scheduled"),
                "composer.updated": _("Composer settings changed"),
                "cta.created": _("Call to action added"),
                "cta.updated": _("Call to action renamed"),
                "cta.moved": _("Call to action moved"),
                "cta.deleted": _("Call to action deleted"),
                "pillar.created": _("Pillar added"),
                "pillar.updated": _("Pillar changed"),
                "pillar.deleted": _("Pillar deleted"),
                "persona.created": _("Persona added"),
                "persona.updated": _("Persona changed"),
                "persona.deleted": _("Persona deleted"),
                "campaign.created": _("Campaign added"),
                "campaign.updated": _("Campaign changed"),
                "campaign.deleted": _("Campaign deleted"),
                "hashtag_group.created": _("Hashtag group added"),
                "hashtag_group.updated": _("Hashtag group changed"),
                "hashtag_group.deleted": _("Hashtag group deleted"),
            }
        )
        FIELD_LABELS.update(
            {
                "title": _("title"),
                "text": _("text"),
                "link": _("link"),
                "cta": _("call to action"),
                "label": _("call to action"),
                "hashtags": _("hashtags"),
                "first_comment": _("first comment"),
                "pillar": _("pillar"),
                "persona": _("persona"),
                "campaign": _("campaign"),
                "status": _("status"),
                "comment": _("comment"),
                "revision": _("revision"),
                "copied_from": _("copied from"),
                "description": _("description"),
                "color": _("colour"),
                "starts_on": _("starts"),
                "ends_on": _("ends"),
                "disabled_checks": _("best-practice checks turned off"),
                "hashtag_warning_above": _("warn above this many hashtags"),
                "add_utm": _("add UTM parameters to links"),
                "utm_medium": _("utm_medium"),
                "tags": _("tags"),
                "alt_text": _("alt text"),
                "focal_point": _("focal point"),
                "subtitles": _("subtitles"),
                "cues": _("subtitle lines"),
                "position": _("position"),
                "posts": _("posts"),
            }
        )
        import manyhats.content.planning.strategy_actions  # noqa: F401 - its audit labels
        from manyhats.content.media.models import register_usage_counter
        from manyhats.content.posts.models import PostMedia

        register_usage_counter(
            lambda asset: PostMedia.objects.filter(asset=asset).values("post").distinct().count()
        )
