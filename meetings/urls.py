from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="detail"),
    path("minutes/<str:token>/", views.minutes_read, name="minutes_read"),
]
