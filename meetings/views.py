from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import cache, selectors, services
from .markup import render_markdown
from .models import Meeting, Minutes


@login_not_required
@require_safe
@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@require_safe
def meeting_list(request):
    return render(
        request, "meetings/meeting_list.html", cache.page("list", _meeting_list)
    )


def _meeting_list():
    upcoming, past = selectors.meetings_public_split()
    content = render_to_string(
        "meetings/includes/meeting_list_content.html",
        {"upcoming": upcoming, "past": past},
    )
    return {"content": content}, [*upcoming, *past]


@login_not_required
@require_safe
def meeting_detail(request, slug):
    return render(
        request,
        "meetings/meeting_detail.html",
        cache.page(f"detail:{slug}", lambda: _meeting_detail(slug)),
    )


def _meeting_detail(slug):
    try:
        meeting = selectors.meeting_get_public(slug)
    except Meeting.DoesNotExist:
        raise Http404 from None
    content = render_to_string(
        "meetings/includes/meeting_detail_content.html",
        {"meeting": meeting, "programme": selectors.programme_by_day(meeting)},
    )
    return {"title": meeting.title, "content": content}, [meeting]


@login_not_required
@require_safe
@never_cache
def minutes_read(request, token):
    """The minutes, read-only, for whoever holds the private link mailed on
    circulation (heads of delegation are not admin users)."""
    try:
        minutes = selectors.minutes_get_readable(token)
    except Minutes.DoesNotExist:
        raise Http404 from None
    response = render(
        request,
        "meetings/minutes_read.html",
        {
            "minutes": minutes,
            "session": minutes.session,
            "introduction_html": render_markdown(minutes.introduction),
            "items": selectors.minutes_items_rendered(minutes),
            "attendance": services.session_attendance_sentence(minutes.session),
        },
    )
    # The token is the only key: never_cache keeps the page out of caches
    # (no-store), and the referrer policy keeps it out of other sites' logs.
    response["Referrer-Policy"] = "strict-origin"
    return response
