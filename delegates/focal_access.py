"""The one access rule for focal points: a user reaches a delegation, and
its registrations, only through `Delegation.focal_points`.

Every focal-point view looks its objects up here, so another delegation's
delegation or registration is simply not found (a 404, never a 403 that
would confirm it exists).
"""

from django.shortcuts import get_object_or_404

from .models import Delegation, Registration


def focal_delegations(user):
    """The delegations this user is a focal point of."""
    return Delegation.objects.filter(focal_points=user)


def focal_delegation(user, pk):
    return get_object_or_404(
        focal_delegations(user).select_related("meeting__body", "party"), pk=pk
    )


def focal_registration(user, pk):
    """A registration of one of the user's delegations, or a 404."""
    return get_object_or_404(
        Registration.objects.filter(delegation__focal_points=user).select_related(
            "delegate", "meeting__body", "delegation__party"
        ),
        pk=pk,
    )
