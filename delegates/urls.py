from django.urls import path

from . import views

app_name = "delegates"

urlpatterns = [
    path("meetings/<slug:slug>/register/", views.register, name="register"),
    path("meetings/<slug:slug>/register/lost-link/", views.lost_link, name="lost_link"),
    path("registration/<str:token>/", views.manage, name="manage"),
    path("registration/<str:token>/edit/", views.edit, name="edit"),
    path("registration/<str:token>/withdraw/", views.withdraw, name="withdraw"),
]
