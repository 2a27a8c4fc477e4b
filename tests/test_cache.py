"""The build's cache: a hit is what the same source computed, anything else misses, and it never breaks a build."""

import json

import pytest

from derive import build, cache
from derive.render import environment

JOB = ("kl-gamma-gamma", "concentration_and_rate")


def test_store_then_load_round_trips(tmp_path):
    result = [["code/numpy/x.py", "print('é')\n"], ["coverage verdicts", {"kl-gamma-gamma": True}]]
    assert cache.load(JOB, tmp_path) is None
    cache.store(JOB, result, tmp_path)
    assert cache.load(JOB, tmp_path) == result
    assert cache.load(("kl-gamma-gamma", "other"), tmp_path) is None


def test_off_and_unusable_folders_are_misses_not_errors(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, cache.OFF)
    assert cache.directory() is None
    cache.store(JOB, [1], None)
    assert cache.load(JOB, None) is None
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache.store(JOB, [1], blocker / "cache")  # a folder under a file: skipped
    assert cache.load(JOB, blocker / "cache") is None


def test_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.directory() == tmp_path / "derive"
    monkeypatch.setenv(cache.ENV, str(tmp_path / "mine"))
    assert cache.directory() == tmp_path / "mine"


def test_corrupt_or_foreign_entries_miss(tmp_path):
    cache.store(JOB, [1], tmp_path)
    (path,) = tmp_path.rglob("*.json")
    path.write_text("{not json")
    assert cache.load(JOB, tmp_path) is None
    path.write_text(json.dumps({"job": ["another", "job"], "result": [2]}))  # as if two jobs' keys collided
    assert cache.load(JOB, tmp_path) is None


def test_a_source_change_misses_and_prunes_the_old_results(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.j2").write_text("a")
    monkeypatch.setattr(environment, "template_dir", lambda: templates)
    cache.fingerprint.cache_clear()
    try:
        root = tmp_path / "cache"
        cache.store(JOB, [1], root)
        assert cache.load(JOB, root) == [1]
        (templates / "t.j2").write_text("b")  # one byte of one template
        cache.fingerprint.cache_clear()
        assert cache.load(JOB, root) is None
        cache.store(JOB, [2], root)
        assert cache.load(JOB, root) == [2]
        assert len([p for p in root.iterdir() if p.is_dir()]) == 1, "the old fingerprint's folder is removed"
    finally:
        cache.fingerprint.cache_clear()


def test_build_reuses_hits_and_computes_and_stores_misses(tmp_path, monkeypatch):
    """The build asks the workers only for the jobs the cache misses, and stores what they compute."""
    jobs = [JOB, ("entropy-gamma", "concentration_and_rate")]
    monkeypatch.setattr(build, "_code_jobs", lambda early: [] if early else jobs)
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    cache.store(jobs[0], [["code/numpy/hit.py", "cached\n"]], tmp_path)
    computed = []

    def compute(job):
        computed.append(tuple(job))
        return [[f"code/numpy/{job[0]}.py", "computed\n"]]

    monkeypatch.setattr(build, "_compute", compute)
    monkeypatch.setattr(build, "_code_modules", lambda todo, root, workers=2: (None, (i for j in todo for i in build._emit(j, root))))
    monkeypatch.setattr(build, "_artefacts", lambda code, with_pdf: dict(code))
    monkeypatch.setattr(build, "_CODE", {})
    monkeypatch.setattr(build.registry, "names", lambda kind=None: [])
    items = build.artefacts(with_pdf=False)
    assert items == {"code/numpy/hit.py": "cached\n", "code/numpy/entropy-gamma.py": "computed\n"}
    assert computed == [jobs[1]]
    assert cache.load(jobs[1], tmp_path) == [["code/numpy/entropy-gamma.py", "computed\n"]]


@pytest.mark.parametrize("command", ["build", "check"])
def test_no_cache_flag(command, monkeypatch, tmp_path):
    from derive import cli

    seen = []
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    monkeypatch.setattr(build, command, lambda out, **kw: seen.append(cache.directory()) or [])
    assert cli.main([command, "--out", str(tmp_path / "o")]) == 0
    assert cli.main([command, "--no-cache", "--out", str(tmp_path / "o")]) == 0
    assert seen == [tmp_path, None]
