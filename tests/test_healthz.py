from django.db import OperationalError


def test_healthz_is_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError("connection refused")


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    monkeypatch.setattr("meetings.views.connection", UnreachableDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
