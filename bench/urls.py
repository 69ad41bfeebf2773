"""The portal's URLs with the benchmarks' floor beside them."""

from django.urls import include, path

from jwg_portal.bench_views import floor

urlpatterns = [
    path("bench/floor", floor, name="bench_floor"),
    path("", include("jwg_portal.urls")),
]
