"""Delegates' photos, served only to those allowed to see them.

Photos are stored under MEDIA_ROOT, which no URL serves: every photo goes
through one of these views. The secretariat (staff with
`delegates.view_delegate`) sees any; a focal point sees those of people
registered through their delegations; the person sees their own through the
private link. Anyone else gets a 404, as if there were no photo.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from .models import Delegate
from .selectors import TOKEN


def delegate_photo_visible_to(user):
    """The delegates whose photo `user` may see."""
    if user.is_staff and user.has_perm("delegates.view_delegate"):
        return Delegate.objects.all()
    return Delegate.objects.filter(
        registrations__delegation__focal_points=user
    ).distinct()


def _photo_response(delegate):
    if not delegate.photo:
        raise Http404
    try:
        photo = delegate.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Stored as a JPEG we encoded ourselves, whatever was uploaded.
    response = FileResponse(photo, content_type="image/jpeg", filename="photo.jpg")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def delegate_photo(request, pk):
    return _photo_response(
        get_object_or_404(delegate_photo_visible_to(request.user), pk=pk)
    )


@login_not_required
@require_safe
def registration_photo(request, token):
    """The person's own photo, for the page their private link opens."""
    if not TOKEN.fullmatch(token):
        # No query for what is no token: PostgreSQL refuses a NUL in one.
        raise Http404
    response = _photo_response(get_object_or_404(Delegate, registrations__token=token))
    # As the private link's pages: the address is the key.
    response["Referrer-Policy"] = "strict-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
