from django.urls import path

from . import actions

app_name = "actions"

urlpatterns = [
    path("", actions.tracker, name="tracker"),
    path("export.csv", actions.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", actions.export, {"fmt": "xlsx"}, name="export_xlsx"),
]
