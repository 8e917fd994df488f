def test_healthz_reports_database_and_migrations(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert body["checks"]["workers"] == {"ok": True, "alive": 0, "last_seen_seconds_ago": None}


def test_healthz_shows_the_workers_heartbeat(client, db):
    from manyhats.publishing.loop import beat

    beat("worker-1")
    workers = client.get("/healthz").json()["checks"]["workers"]
    assert workers["alive"] == 1 and workers["last_seen_seconds_ago"] == 0
