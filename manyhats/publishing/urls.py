from django.urls import path

from manyhats.publishing import views

urlpatterns = [
    path("p/media/<str:token>", views.media, name="publishing_media"),
]
