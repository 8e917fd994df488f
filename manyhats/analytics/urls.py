from django.urls import path

from manyhats.analytics import views

urlpatterns = [
    path("w/<slug:slug>/analytics/", views.home, name="analytics_home"),
    path(
        "w/<slug:slug>/analytics/best-times/<int:account>/",
        views.account_best_times,
        name="analytics_best_times",
    ),
]
