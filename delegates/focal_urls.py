from django.urls import path

from . import focal

app_name = "focal"

urlpatterns = [
    path("", focal.home, name="home"),
    path("delegations/<int:pk>/", focal.delegation_detail, name="delegation"),
    path("delegations/<int:pk>/nominate/", focal.nominate, name="nominate"),
    path("delegations/<int:pk>/letter/", focal.letter_upload, name="letter_upload"),
    path(
        "delegations/<int:pk>/letter.pdf",
        focal.letter_download,
        name="letter_download",
    ),
    path("delegations/<int:pk>/import/", focal.import_nominations, name="import"),
    path(
        "delegations/<int:pk>/import-template.xlsx",
        focal.import_template_xlsx,
        name="import_template_xlsx",
    ),
    path(
        "delegations/<int:pk>/import-template.csv",
        focal.import_template_csv,
        name="import_template_csv",
    ),
    path("delegations/<int:pk>/export.csv", focal.export_csv, name="export_csv"),
    path("registrations/<int:pk>/edit/", focal.edit, name="edit"),
    path("registrations/<int:pk>/endorse/", focal.endorse, name="endorse"),
    path("registrations/<int:pk>/decline/", focal.decline, name="decline"),
    path("registrations/<int:pk>/make-head/", focal.make_head, name="make_head"),
    path("registrations/<int:pk>/withdraw/", focal.withdraw, name="withdraw"),
]
