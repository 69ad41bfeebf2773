from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from meetings import views as meeting_views

admin.site.site_header = _("JWG Portal administration")
admin.site.site_title = _("JWG Portal")
admin.site.index_title = _("Secretariat")

urlpatterns = [
    path("healthz", meeting_views.healthz, name="healthz"),
    # The language switch serves everyone, signed in or not.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/reports/", include("delegates.reports_admin")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("photos/", include("delegates.photo_urls")),
    path("focal/", include("delegates.focal_urls")),
    path("checkin/", include("delegates.checkin_urls")),
    path("actions/", include("delegates.actions_urls")),
    path("", include("delegates.urls")),
    path("", include("meetings.urls")),
]
