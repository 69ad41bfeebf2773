from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegatesConfig(AppConfig):
    name = "delegates"
    verbose_name = _("Participants")

    def ready(self):
        from jwg_portal import db_rules
        from meetings import services as meetings_services

        from . import rules, selectors
        from .reports import wording

        db_rules.register(*rules.RULES)
        db_rules.connect()
        if selectors.head_of_delegation_emails not in (
            meetings_services.HEADS_OF_DELEGATION
        ):
            meetings_services.HEADS_OF_DELEGATION.append(
                selectors.head_of_delegation_emails
            )
        if wording.session_sentence not in meetings_services.SESSION_ATTENDANCE:
            meetings_services.SESSION_ATTENDANCE.append(wording.session_sentence)
