import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from core import storage
from tests.fixtures.storage import s3_keys


def test_generated_name_ignores_everything_but_prefix_and_extension():
    first = storage.generated_name("pets/abc/", "png")
    second = storage.generated_name("pets/abc", "png")

    assert first.startswith("pets/abc/")
    assert first.endswith(".png")
    assert first != second
    assert len(first.split("/")[-1]) == len(uuid.uuid4().hex) + len(".png")


def test_saved_bytes_stream_back_in_chunks(any_storage):
    content = bytes(range(256)) * 1000
    name = storage.save_bytes(storage.generated_name("things", "bin"), content)

    chunks = list(storage.open_chunks(name, chunk_bytes=16 * 1024))

    assert b"".join(chunks) == content
    assert len(chunks) > 1
    assert all(len(chunk) <= 16 * 1024 for chunk in chunks)


def test_open_chunks_raises_stored_file_missing_before_streaming(any_storage):
    with pytest.raises(storage.StoredFileMissing):
        storage.open_chunks("things/never-stored.png")


def test_delete_quietly_removes_the_file_and_ignores_a_missing_one(any_storage):
    name = storage.save_bytes(storage.generated_name("things", "bin"), b"data")

    storage.delete_quietly(name)
    storage.delete_quietly(name)
    storage.delete_quietly("")

    assert not default_storage.exists(name)


def test_delete_quietly_removes_the_emptied_folder_on_local_disk(settings):
    media = Path(settings.MEDIA_ROOT)
    first = storage.save_bytes(storage.generated_name("pets/abc", "png"), b"1")
    second = storage.save_bytes(storage.generated_name("pets/abc", "png"), b"2")

    storage.delete_quietly(first)
    assert (media / "pets" / "abc").is_dir()
    storage.delete_quietly(second)

    assert not (media / "pets" / "abc").exists()
    assert (media / "pets").is_dir()


@pytest.mark.django_db(transaction=True)
def test_delete_on_commit_waits_for_the_commit_and_skips_a_rollback(any_storage):
    kept = storage.save_bytes(storage.generated_name("things", "bin"), b"kept")
    deleted = storage.save_bytes(storage.generated_name("things", "bin"), b"deleted")

    with transaction.atomic():
        storage.delete_on_commit(kept)
        transaction.set_rollback(True)
    with transaction.atomic():
        storage.delete_on_commit(deleted)
        assert default_storage.exists(deleted)

    assert default_storage.exists(kept)
    assert not default_storage.exists(deleted)


def test_s3_objects_land_in_the_bucket_under_the_generated_name(s3_storage):
    name = storage.save_bytes(storage.generated_name("pets/abc", "png"), b"png bytes")

    assert s3_keys(s3_storage) == [name]
    storage.delete_quietly(name)
    assert s3_keys(s3_storage) == []
