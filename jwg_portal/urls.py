from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from meetings import views as meeting_views

admin.site.site_header = _("JWG Portal administration")
admin.site.site_title = _("JWG Portal")
admin.site.index_title = _("Secretariat")

urlpatterns = [
    path("healthz", meeting_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/reports/", include("delegates.reports_admin")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("focal/", include("delegates.focal_urls")),
    path("checkin/", include("delegates.checkin_urls")),
    path("actions/", include("delegates.actions_urls")),
    path("", include("delegates.urls")),
    path("", include("meetings.urls")),
]
