"""Signing in with a second factor, and setting one up."""

app_name = "accounts"
urlpatterns = []
