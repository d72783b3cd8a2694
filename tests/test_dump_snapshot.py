"""A dump reads one snapshot, and lets go of it as soon as its stream is closed."""

import json
import sqlite3
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from core.dump.writer import TRAILER_PREFIX, DumpOptions, DumpWriter

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="needs the suite on SQLite")


def test_dump_reads_one_snapshot_while_another_thread_writes(staff):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the SQLite test database is in memory, where shared-cache table locks stand in for "
            "snapshots; installations use a WAL file, which this test needs"
        )
    for number in range(3):
        staff.groups.add(Group.objects.create(name=f"before {number}"))
    stream = DumpWriter(DumpOptions.for_database()).stream()
    chunks = [next(stream)]  # the snapshot is taken before the first bytes
    committed = []
    stop = threading.Event()

    def write():
        # Each transaction adds a group and a membership that refers to it.
        try:
            while not stop.is_set():
                with transaction.atomic():
                    group = Group.objects.create(name=f"during {len(committed)}")
                    staff.groups.add(group)
                committed.append(group.pk)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        deadline = time.monotonic() + 10
        while len(committed) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        chunks.extend(stream)  # while the thread goes on writing
    finally:
        stop.set()
        writer.join()

    assert len(committed) >= 5
    lines = b"".join(chunks).decode().splitlines()
    tables = json.loads(lines[-1].removeprefix(TRAILER_PREFIX))["tables"]
    assert tables["auth_group"] == tables["users_user_groups"] == 3
    assert not [line for line in lines if "during" in line]


def idle_transactions_and_connections() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%%'), count(*) FROM pg_stat_activity "
            # Client backends only: autovacuum workers also connect to the database.
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()


@on_postgresql
def test_closing_dump_response_early_ends_transaction_and_closes_connection(staff_client):
    before = idle_transactions_and_connections()
    response = staff_client.get("/dump.sql")
    chunks = iter(response.streaming_content)
    next(chunks)
    during = idle_transactions_and_connections()

    # What the WSGI server does when the client goes away mid-stream.
    response.close()

    assert during == (before[0] + 1, before[1] + 1)
    assert idle_transactions_and_connections() == before


@on_sqlite
def test_closing_dump_response_early_closes_sqlite_connection(staff_client, monkeypatch):
    opened = []
    connect = sqlite3.connect

    def recording_connect(*args, **kwargs):
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    response = staff_client.get("/dump.sql")
    chunks = iter(response.streaming_content)
    next(chunks)
    assert [db.in_transaction for db in opened] == [True]

    response.close()

    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        opened[0].execute("SELECT 1")
