from django.urls import path

from manyhats.web import views
from manyhats.web.rooms import ROOMS

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("w/<slug:slug>/", views.workspace_home, name="workspace_home"),
    # Rooms whose apps have not landed yet; each later issue replaces its line.
    *[
        path(
            f"w/<slug:slug>/{room.key}/",
            views.placeholder_view(room),
            {"room": room.key},
            name=f"room_{room.key}",
        )
        for room in ROOMS
        if room.url_name == "room"
    ],
]
