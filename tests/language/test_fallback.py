from __future__ import annotations

import logging

import pytest

from kaiku.language import check, morph, status, voikko_available


@pytest.mark.usefixtures("no_voikko")
def test_forced_fallback_reports_voikko_unavailable_in_status() -> None:
    assert voikko_available() is False
    s = status()
    assert s["voikko"] is False
    assert s["backend"] == "stem-fallback"
    assert "forced" in s["reason"]


@pytest.mark.usefixtures("no_voikko")
def test_fallback_still_finds_stigma_and_privacy() -> None:
    codes = {f.code for f in check("Maija Virtanen on korvaushoidossa. Narkkarit.", "fi")}
    assert {"privacy.person_with_health", "stigma.slur"} <= codes


def test_environment_variable_forces_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIKU_LANGUAGE_NO_VOIKKO", "1")
    morph.clear_caches()
    try:
        assert voikko_available() is False
    finally:
        monkeypatch.delenv("KAIKU_LANGUAGE_NO_VOIKKO")
        morph.clear_caches()


def test_failed_voikko_load_logs_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import importlib
    import threading

    real_import = importlib.import_module

    def broken(name: str, package: str | None = None) -> object:
        if name == "libvoikko":
            raise OSError("libvoikko.so.1: cannot open shared object file")
        return real_import(name, package)

    monkeypatch.setattr(morph.importlib, "import_module", broken)
    monkeypatch.setattr(morph, "_warned", False)
    results: list[bool] = []

    def worker() -> None:  # a fresh thread has no cached handle
        results.append(voikko_available())
        results.append(voikko_available())

    with caplog.at_level(logging.WARNING, logger="kaiku.language"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert results == [False, False]
    warnings = [r for r in caplog.records if "Voikko is not available" in r.getMessage()]
    assert len(warnings) == 1
    assert "cannot open shared object" in status_reason_in_thread()


def status_reason_in_thread() -> str:
    import threading

    out: list[str] = []
    t = threading.Thread(target=lambda: out.append(str(morph._load_error)))
    t.start()
    t.join()
    return out[0]


def test_each_thread_gets_its_own_voikko_handle() -> None:
    import threading

    handles: list[object] = []

    def worker() -> None:
        handles.append(morph._handle())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not voikko_available():
        pytest.fail("libvoikko must be installed for this test")
    assert handles[0] is not handles[1]
