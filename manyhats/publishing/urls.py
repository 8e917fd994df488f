from django.urls import path

from manyhats.publishing import slot_views, views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path(
        "w/<slug:slug>/compose/<uuid:post>/queue/", slot_views.add_to_queue, name="publishing_queue"
    ),
    path("w/<slug:slug>/publishing/slots/", slot_views.slots_index, name="publishing_slots"),
    path(
        "w/<slug:slug>/publishing/slots/<int:account>/",
        slot_views.account_slots,
        name="publishing_slots_account",
    ),
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
