"""Delegate photos, served only to those allowed to see them."""

from django.urls import path

from . import photos

app_name = "photos"
urlpatterns = [
    path("delegates/<int:pk>.jpg", photos.delegate_photo, name="delegate"),
    path(
        "registration/<str:token>.jpg",
        photos.registration_photo,
        name="registration",
    ),
]
