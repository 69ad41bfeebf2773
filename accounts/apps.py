from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Who may do what: roles, sign-in protection, the audit log."""

    name = "accounts"
    verbose_name = _("Accounts and audit")

    def ready(self):
        from . import audit, middleware, roles  # noqa: F401 - registers models and signals
