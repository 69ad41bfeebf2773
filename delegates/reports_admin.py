"""The admin's reports page: every registered report of every meeting, to
download.

Mounted at /admin/reports/ from the project's URLs, ahead of the admin's
own, with each view wrapped by `admin.site.admin_view` (staff only, never
cached) and drawn inside the admin's frame; so it needs nothing from the
model admins. Each report says which permission it needs
(`MeetingReport.permission`); the page lists only the reports the user may
download, and a download without the permission is refused.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from meetings.models import Meeting

from .reports import REPORTS

app_name = "delegates_reports"


def _allowed(user):
    return [
        report_class
        for report_class in REPORTS.values()
        if user.has_perm(report_class.permission)
    ]


@require_safe
def index(request):
    """The meetings, newest first, each with its reports in each format."""
    reports = sorted(_allowed(request.user), key=lambda r: str(r.verbose_name))
    meetings = Meeting.objects.select_related("body").order_by("-start_date", "slug")
    rows = [
        {
            "meeting": meeting,
            "reports": [
                {
                    "name": capfirst(str(report_class.verbose_name)),
                    "links": [
                        (
                            fmt,
                            reverse(
                                "delegates_reports:download",
                                args=[meeting.slug, report_class.identifier, fmt],
                            ),
                        )
                        for fmt in report_class.formats
                    ],
                }
                for report_class in reports
            ],
        }
        for meeting in meetings
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "meetings": rows,
        "has_reports": bool(reports),
    }
    return TemplateResponse(request, "admin/delegates/reports/index.html", context)


@require_safe
def download(request, slug, identifier, fmt):
    """One report of one meeting, streamed as an attachment."""
    report_class = REPORTS.get(identifier)
    if report_class is None or fmt not in report_class.formats:
        raise Http404(_("No such report."))
    if not request.user.has_perm(report_class.permission):
        raise PermissionDenied
    meeting = get_object_or_404(Meeting, slug=slug)
    report = report_class(meeting, user=request.user)
    response = StreamingHttpResponse(
        report.chunks(fmt), content_type=report.content_types[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{report.filename(fmt)}"'
    # Names of people: not for shared caches or the back button.
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("", admin.site.admin_view(index), name="index"),
    path(
        "<slug:slug>/<slug:identifier>.<slug:fmt>",
        admin.site.admin_view(download),
        name="download",
    ),
]
