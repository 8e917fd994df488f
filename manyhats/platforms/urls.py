from django.urls import path

from manyhats.platforms import views, webhooks

CHANNEL = "w/<slug:slug>/settings/channels/<int:pk>"

urlpatterns = [
    path("w/<slug:slug>/settings/channels/", views.channels, name="channels"),
    path(
        "w/<slug:slug>/settings/channels/connect/<str:platform>/",
        views.connect,
        name="channels_connect",
    ),
    path(
        "w/<slug:slug>/settings/channels/choose/<str:pending>/",
        views.choose,
        name="channels_choose",
    ),
    path(f"{CHANNEL}/reconnect/", views.reconnect, name="channels_reconnect"),
    path(f"{CHANNEL}/disconnect/", views.disconnect, name="channels_disconnect"),
    path(f"{CHANNEL}/disable/", views.set_enabled, {"enabled": False}, name="channels_disable"),
    path(f"{CHANNEL}/enable/", views.set_enabled, {"enabled": True}, name="channels_enable"),
    path(f"{CHANNEL}/limits/", views.refresh_limits, name="channels_limits"),
    path("oauth/<str:platform>/callback/", views.oauth_callback, name="oauth_callback"),
    path("webhooks/meta/", webhooks.meta, name="webhook_meta"),
    path("webhooks/tiktok/", webhooks.tiktok, name="webhook_tiktok"),
]
