from django.urls import path

from . import checkin

app_name = "checkin"

urlpatterns = [
    path("", checkin.sessions, name="sessions"),
    path("sessions/<int:session_pk>/", checkin.desk, name="desk"),
    path("sessions/<int:session_pk>/sheet/", checkin.sheet, name="sheet"),
]
