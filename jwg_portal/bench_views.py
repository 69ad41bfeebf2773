"""The benchmarks' floor: what a request costs before any page's own work.

Mounted only by `bench/urls.py`, which `bench/settings.py` makes the root
URLconf; the portal's own URLs never name it. It passes through the same
middleware as every page and asks the database one trivial question, so the
benchmark reports each page as a ratio to what the framework itself costs.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from meetings.models import Meeting


@login_not_required
@require_safe
@never_cache
def floor(request):
    first = Meeting.objects.order_by("pk").values_list("pk", flat=True).first()
    return HttpResponse(f"ok {first}\n", content_type="text/plain")
