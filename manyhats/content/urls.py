"""The content room's web routes: each views module keeps its own `urlpatterns`."""

from manyhats.content.views import calendar, compose, hashtags, media, settings
from manyhats.content.views import feeds as feed_views
from manyhats.content.views import imports as import_views
from manyhats.content.views import strategy as strategy_views

urlpatterns = [
    *compose.urlpatterns,
    *media.urlpatterns,
    *hashtags.urlpatterns,
    *settings.urlpatterns,
    *calendar.urlpatterns,
    *strategy_views.urlpatterns,
    *import_views.urlpatterns,
    *feed_views.urlpatterns,
]
