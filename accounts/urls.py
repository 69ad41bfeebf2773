"""Signing in with a second factor, and setting one up.

Included at /accounts/ before django.contrib.auth.urls, so the portal's
sign-in page (named "login" there as well) is the one below.
"""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/set-up/", views.setup, name="setup"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/remove/", views.remove, name="remove"),
]
