"""The content room's web routes: each views module keeps its own `urlpatterns`."""

from manyhats.content.views import compose, hashtags, media, settings

urlpatterns = [
    *compose.urlpatterns,
    *media.urlpatterns,
    *hashtags.urlpatterns,
    *settings.urlpatterns,
]
