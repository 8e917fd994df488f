from django.urls import include, path

from manyhats.api.main import api

urlpatterns = [
    path("", include("manyhats.web.urls")),
    path("", include("manyhats.accounts.urls")),
    path("", include("manyhats.workspaces.urls")),
    path("", include("manyhats.platforms.urls")),
    path("", include("manyhats.content.urls")),
    path("", include("manyhats.publishing.urls")),
    path("", include("manyhats.analytics.urls")),
    path("api/v1/", api.urls),
]
