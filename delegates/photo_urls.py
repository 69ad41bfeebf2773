"""Delegate photos, served only to those allowed to see them."""

app_name = "photos"
urlpatterns = []
