from django.urls import path

from manyhats.publishing import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("p/media/<str:token>", views.media, name="publishing_media"),
    path(
        "w/<slug:slug>/compose/<uuid:post>/schedule/",
        views.schedule_post,
        name="publishing_schedule",
    ),
    path("w/<slug:slug>/publishing/", views.health, name="publishing_health"),
    path("w/<slug:slug>/publishing/<int:pk>/retry/", views.retry, name="publishing_retry"),
    path("w/<slug:slug>/publishing/<int:pk>/cancel/", views.cancel, name="publishing_cancel"),
    path(
        "w/<slug:slug>/publishing/<int:pk>/mark-published/",
        views.mark_published,
        name="publishing_mark_published",
    ),
]
