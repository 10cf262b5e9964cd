"""The on-disk cache of compiled indexes: round trips, out-of-band blobs, stale and broken files."""

from __future__ import annotations

from array import array

import pytest

from termbank import cache
from termbank.heap import Blob


@pytest.fixture(autouse=True)
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TERMBANK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TERMBANK_NO_CACHE", raising=False)
    return tmp_path / "cache"


BLOB = bytes(range(256)) * 8192


def _thing():
    return {"blob": Blob(BLOB), "array": array("I", range(400_000)), "small": b"abc", "words": ["de", "la"] * 10}


def test_round_trip_keeps_contents_and_maps_large_blobs():
    calls = []

    def build():
        calls.append(1)
        return _thing()

    first = cache.cached("thing", "sqlite:///x.db", 7, build)
    again = cache.cached("thing", "sqlite:///x.db", 7, build)
    assert len(calls) == 1
    want = _thing()
    assert isinstance(again["blob"], memoryview) and again["blob"].readonly  # a view of the mapped file
    assert bytes(again["blob"]) == BLOB and first["blob"].data == BLOB
    assert type(again["array"]) is array and again["array"] == want["array"]
    assert again["small"] == b"abc" and again["words"] == want["words"]


@pytest.mark.parametrize("change", [{"revision": 8}, {"url": "sqlite:///y.db"}, {"layout": 2}])
def test_another_revision_url_or_layout_rebuilds(change):
    args = {"url": "sqlite:///x.db", "revision": 7, "layout": 1}
    cache.cached("thing", args["url"], args["revision"], _thing, layout=args["layout"])
    args.update(change)
    calls = []
    cache.cached("thing", args["url"], args["revision"], lambda: calls.append(1) or _thing(), layout=args["layout"])
    assert calls == [1]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "old-format"])
def test_a_broken_file_is_rebuilt_and_replaced(cache_folder, damage):
    import pickle

    cache.cached("thing", "sqlite:///x.db", 7, _thing)
    (path,) = cache_folder.glob("thing-*.pickle")
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x00" * 100, "empty": b"",
                      "old-format": pickle.dumps(("digest", _thing()))}[damage])
    calls = []
    got = cache.cached("thing", "sqlite:///x.db", 7, lambda: calls.append(1) or _thing())
    assert calls == [1] and got["blob"].data == BLOB
    assert cache.cached("thing", "sqlite:///x.db", 7, lambda: calls.append(2)) is not None and calls == [1]


def test_no_cache_variable_builds_every_time(monkeypatch):
    monkeypatch.setenv("TERMBANK_NO_CACHE", "1")
    calls = []
    for _ in range(2):
        cache.cached("thing", "sqlite:///x.db", 7, lambda: calls.append(1) or 1)
    assert calls == [1, 1]


def test_released_pages_read_back_the_same(tmp_path):
    import mmap

    from termbank.heap import map_buffer, release

    path = tmp_path / "data.bin"
    path.write_bytes(BLOB)
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    view = map_buffer(mm, 100, len(BLOB) - 200)
    copy = bytes(view)
    release([view, memoryview(b"not mapped")])
    assert bytes(view) == copy == BLOB[100:-100]  # the file's pages come back when read again


def test_loaded_objects_do_not_keep_their_mapping_open():
    import gc
    import os

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open files through /proc")
    cache.cached("thing", "sqlite:///x.db", 7, _thing)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        loaded = cache.cached("thing", "sqlite:///x.db", 7, _thing)
        assert isinstance(loaded["blob"], memoryview)
        del loaded
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= before + 1


class _Witness:
    """Pickles as the id of the process that pickled it (written to ``log``)."""

    def __init__(self, log):
        self.log = log

    def __reduce__(self):
        import os

        self.log.write_text(str(os.getpid()))
        return (str, ("witness",))


def test_deferred_saves_are_written_by_another_process_and_waited_for(cache_folder, tmp_path):
    import os

    log = tmp_path / "pickled-by"
    calls = []
    with cache.deferred_saves() as queued:
        cache.cached("thing", "sqlite:///x.db", 7, lambda: calls.append(1) or [_thing(), _Witness(log)])
        with cache.deferred_saves() as inner:  # nested: the outer block's queue
            cache.cached("other", "sqlite:///x.db", 7, lambda: {"n": 1})
        assert inner is queued
    assert len(queued) == 2 and not list(cache_folder.glob("*.pickle"))  # nothing written yet
    wait = cache.save_in_background(queued)
    wait()
    assert int(log.read_text()) != os.getpid()  # pickled in the forked child
    got = cache.cached("thing", "sqlite:///x.db", 7, lambda: calls.append(2))
    assert calls == [1] and bytes(got[0]["blob"]) == BLOB and got[1] == "witness"
    assert cache.cached("other", "sqlite:///x.db", 7, lambda: calls.append(3)) == {"n": 1} and calls == [1]
    wait()  # waiting twice is harmless


def test_with_other_threads_running_deferred_saves_are_written_here(cache_folder, tmp_path):
    import os
    import threading

    log = tmp_path / "pickled-by"
    with cache.deferred_saves() as queued:
        cache.cached("thing", "sqlite:///x.db", 7, lambda: [_Witness(log)])
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        cache.save_in_background(queued)
        assert int(log.read_text()) == os.getpid()  # written before returning, by this process
    finally:
        stop.set()
        other.join()
    assert cache.cached("thing", "sqlite:///x.db", 7, lambda: None) == ["witness"]
