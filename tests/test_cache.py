"""common.cache: a folder built once, atomically, and named after the code that builds it
(the concurrent builders' case is tested through common.standins.build)."""

from pathlib import Path

import pytest

from common import cache


def test_root_follows_the_cache_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("TFAT_CACHE_DIR", str(tmp_path))
    assert cache.root() == tmp_path
    monkeypatch.delenv("TFAT_CACHE_DIR")
    assert cache.root().name == "tfat_cache"


def test_build_once_builds_the_first_time_only(tmp_path):
    calls = []

    def make(scratch: Path):
        calls.append(scratch)
        (scratch / "weights").write_text("trained")

    first = cache.build_once(tmp_path / "model-abc", make)
    again = cache.build_once(tmp_path / "model-abc", make)
    assert first == again == tmp_path / "model-abc" and len(calls) == 1
    assert (first / "weights").read_text() == "trained"
    assert not calls[0].exists()  # the scratch folder was renamed into place


def test_a_failed_build_leaves_nothing_and_the_next_call_builds(tmp_path):
    def broken(scratch: Path):
        (scratch / "half").write_text("half written")
        raise KeyboardInterrupt  # interrupted midway, as a learner's stop button would

    with pytest.raises(KeyboardInterrupt):
        cache.build_once(tmp_path / "model", broken)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == []
    built = cache.build_once(tmp_path / "model", lambda scratch: (scratch / "ok").touch())
    assert (built / "ok").exists() and not (built / "half").exists()


def test_fingerprint_follows_the_extra_text_and_needs_a_file():
    one = cache.fingerprint("cache.py", extra="keras 3.13")
    assert len(one) == 12 and one == cache.fingerprint("cache.py", extra="keras 3.13")
    assert one != cache.fingerprint("cache.py", extra="keras 3.15")
    assert one != cache.fingerprint("cache.py", "env.py", extra="keras 3.13")
    with pytest.raises(ValueError, match="at least one file"):
        cache.fingerprint(extra="no files")
