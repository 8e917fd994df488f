from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "manyhats.content"
    label = "content"
    verbose_name = _("Content")

    def ready(self) -> None:
        from PIL import Image

        from manyhats.content.media.images import image_pixel_limit
        from manyhats.workspaces.audit import ACTION_LABELS

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
            }
        )
        from manyhats.content.media.models import register_usage_counter
        from manyhats.content.posts.models import PostMedia

        register_usage_counter(
            lambda asset: PostMedia.objects.filter(asset=asset).values("post").distinct().count()
        )
