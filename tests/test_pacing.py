"""A load pauses the garbage collector and, in the background, rests and switches threads often;
everything is as it was once it ends."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator

import pytest

from omotenashi.loader import pacing


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False], ids=["app-collects", "app-turned-it-off"])
def test_nested_pauses_restore_the_collector_as_the_app_had_it(
    collector: None, enabled: bool
) -> None:
    gc.enable() if enabled else gc.disable()
    with pacing.paused_gc():
        with pacing.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled() == enabled


def test_a_background_load_rests_and_switches_often_then_restores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rests: list[float] = []
    monkeypatch.setattr(pacing, "_rest", rests.append)
    monkeypatch.setattr(pacing, "WORK_S", 0.0)  # every step has worked long enough
    interval = sys.getswitchinterval()
    pacing.pace()
    assert rests == []  # not in a background load: never rests
    with pacing.in_background():
        assert sys.getswitchinterval() == pytest.approx(pacing.BACKGROUND_SWITCH_S)
        assert not gc.isenabled()
        pacing.pace()
        pacing.pace()
    assert rests == [pacing.REST_S, pacing.REST_S]
    pacing.pace()
    assert len(rests) == 2
    assert sys.getswitchinterval() == interval
    assert gc.isenabled()


def test_another_threads_load_does_not_make_this_thread_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rests: list[float] = []
    monkeypatch.setattr(pacing, "_rest", rests.append)
    monkeypatch.setattr(pacing, "WORK_S", 0.0)
    inside, done = threading.Event(), threading.Event()

    def background() -> None:
        with pacing.in_background():
            inside.set()
            done.wait(10)

    worker = threading.Thread(target=background)
    worker.start()
    assert inside.wait(10)
    pacing.pace()  # this thread (the event loop's, say) is not loading
    done.set()
    worker.join(10)
    assert rests == []
