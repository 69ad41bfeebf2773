from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Programme")

    def ready(self):
        from jwg_portal import db_rules

        from . import cache, rules

        db_rules.register(*rules.RULES)
        db_rules.connect()
        cache.connect()
