from django.urls import path

from . import views

app_name = "delegates"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("meetings/<slug:slug>/register/", views.register, name="register"),
    path(
        "meetings/<slug:slug>/register/done/",
        views.register_done,
        name="register_done",
    ),
    path("meetings/<slug:slug>/register/lost-link/", views.lost_link, name="lost_link"),
    path("registration/<str:token>/", views.manage, name="manage"),
    path("registration/<str:token>/edit/", views.edit, name="edit"),
    path("registration/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("registration/<str:token>/letter.pdf", views.letter, name="letter"),
    path("registration/<str:token>/my-data.json", views.my_data, name="my_data"),
    path(
        "registration/<str:token>/details/",
        views.confirm_details,
        name="confirm_details",
    ),
]
