import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

from loop.core.clock import iso
from loop.core.ids import new_id


def test_ids_are_uuid7_strings_in_creation_order() -> None:
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(value).version == 7 for value in ids[:10])


def test_ids_are_unique_across_threads() -> None:
    out: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        local = [new_id() for _ in range(2000)]
        with lock:
            out.extend(local)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(out)) == 8000


def test_iso_is_utc_with_milliseconds_and_z() -> None:
    assert iso(datetime(2025, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)) == "2025-01-15T10:30:00.123Z"
    plus_two = timezone(timedelta(hours=2))
    assert iso(datetime(2025, 1, 15, 12, 30, tzinfo=plus_two)) == "2025-01-15T10:30:00.000Z"
    assert iso(None) is None
