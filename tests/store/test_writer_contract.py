"""The write queue's contract, on an event loop whose clock the test moves (no waiting, no
timing): a record waits one ``interval`` from its own arrival, however the queue was emptied
before it (a read's flush, ``forget``); a batch is never empty; a record's future (or
callback) gets the reply as Redis gave it: a result, an error, a cancellation; a batch the
connection refuses fails every record in it; past ``limit`` a record is dropped and counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import pytest

from omotenashi.metrics import Metrics
from omotenashi.store.writer import Item, Writer

INTERVAL = 0.01


class Clock(asyncio.SelectorEventLoop):
    now = 100.0

    def time(self) -> float:
        return self.now


def run(test: Callable[[Clock], Coroutine[Any, Any, None]]) -> None:
    loop = Clock()
    try:
        loop.run_until_complete(test(loop))
    finally:
        loop.close()


async def at(loop: Clock, when: float) -> None:
    loop.now = 100.0 + when
    for _ in range(3):
        await asyncio.sleep(0)


class Server:
    """The send a writer is given: every batch kept, its replies left for the test."""

    def __init__(self, refuse: BaseException | None = None) -> None:
        self.batches: list[list[Item]] = []
        self.replies: list[asyncio.Future[Any]] = []
        self.refuse = refuse

    def __call__(self, items: Sequence[Item]) -> list[asyncio.Future[Any]]:
        if self.refuse is not None:
            raise self.refuse
        self.batches.append(list(items))
        out = [asyncio.get_running_loop().create_future() for _ in items]
        self.replies += out
        return out

    @property
    def sent(self) -> list[str]:
        return [item[0][0] for batch in self.batches for item in batch]


def item(name: str) -> Item:
    return ([name], ["{}"], ())


def writer(server: Server, **more: Any) -> Writer:
    cfg: dict[str, Any] = {"interval": INTERVAL, "size": 100, "limit": 1000, "metrics": Metrics()}
    return Writer(server, **{**cfg, **more})


def test_a_record_waits_one_interval_from_its_arrival() -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server)
        w.submit(item("a"))
        await at(loop, 0.004)
        w.submit(item("b"))
        await at(loop, 0.0099)
        assert server.batches == []
        await at(loop, 0.0101)
        assert server.sent == ["a", "b"] and len(server.batches) == 1

    run(test)


@pytest.mark.parametrize("how", ["flush", "forget"])
def test_after_the_queue_is_emptied_early_the_next_record_waits_a_whole_interval(
    how: str,
) -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server)
        w.submit(item("a"))
        await at(loop, 0.004)
        w.flush() if how == "flush" else w.forget()
        await at(loop, 0.006)
        w.submit(item("b"))
        await at(loop, 0.0101)  # when "a" would have gone: "b" still waits
        assert server.sent == (["a"] if how == "flush" else [])
        await at(loop, 0.0159)
        assert server.sent == (["a"] if how == "flush" else [])
        await at(loop, 0.0161)
        assert server.sent == (["a", "b"] if how == "flush" else ["b"])
        await at(loop, 0.05)
        assert all(server.batches) and len(server.batches) == (2 if how == "flush" else 1)

    run(test)


def test_a_full_batch_or_no_interval_goes_at_once() -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server, size=2)
        w.submit(item("a"))
        w.submit(item("b"))
        assert server.sent == ["a", "b"]
        w.submit(item("c"))
        await at(loop, 0.0099)
        assert server.sent == ["a", "b"]
        await at(loop, 0.0101)
        assert server.sent == ["a", "b", "c"]
        now = writer(server, interval=0)
        now.submit(item("d"))
        assert server.sent == ["a", "b", "c", "d"]

    run(test)


def test_a_record_gets_its_reply_as_redis_gave_it() -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server)
        futures = [w.submit(item(name)) for name in "abcd"]
        w.flush()
        assert w.pending == 4 and w.batches == 1 and w.written == 4
        wrong = ValueError("WRONGTYPE")
        server.replies[0].set_result([1, 2])
        server.replies[1].set_exception(wrong)
        server.replies[2].cancel()
        await at(loop, 0)
        a, b, c, d = futures
        assert a is not None and a.result() == [1, 2]
        assert b is not None and b.exception() is wrong
        assert c is not None and c.cancelled()
        assert d is not None and not d.done() and w.pending == 1
        d.cancel()  # the request stopped waiting: its failure still counts
        server.replies[3].set_exception(wrong)
        await at(loop, 0)
        assert w.pending == 0 and w.metrics["record_error"] == 1

    run(test)


def test_a_batch_the_connection_refuses_fails_every_record_in_it() -> None:
    async def test(loop: Clock) -> None:
        refused = ConnectionError("not connected")
        w = writer(Server(refuse=refused))
        futures = [w.submit(item(name)) for name in "ab"]
        w.flush()
        await at(loop, 0)
        assert all(f is not None and f.exception() is refused for f in futures)
        assert w.pending == 0 and w.batches == 0

    run(test)


def test_past_the_limit_a_record_is_dropped_and_counted() -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server, size=2, limit=3)
        kept = [w.submit(item(name)) for name in "abcd"]
        assert [f is not None for f in kept] == [True, True, True, False]
        assert w.metrics["record_dropped"] == 1 and w.pending == 3
        for reply in server.replies:
            reply.set_result(1)
        await at(loop, 0)
        assert w.pending == 1 and w.submit(item("e")) is not None

    run(test)


def test_a_record_with_a_callback_is_told_its_reply_from_the_loop() -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server, limit=3)
        told: list[tuple[str, asyncio.Future[Any]]] = []
        for name in "abc":
            assert w.submit_then(item(name), lambda reply, n=name: told.append((n, reply)))
        assert not w.submit_then(item("d"), lambda reply: told.append(("d", reply)))
        assert w.metrics["record_dropped"] == 1
        w.flush()
        server.replies[0].set_result([1])
        server.replies[1].set_exception(ValueError("WRONGTYPE"))
        server.replies[2].cancel()
        assert told == [] and w.pending == 3
        await at(loop, 0)
        assert told == list(zip("abc", server.replies, strict=True)) and w.pending == 0
        assert isinstance(told[1][1].exception(), ValueError)  # (retrieved: no stray log later)
        refused = ConnectionError("not connected")
        server.refuse = refused
        w.submit_then(item("e"), lambda reply: told.append(("e", reply)))
        w.flush()
        assert len(told) == 3  # not from inside the flush
        await at(loop, 0)
        assert told[3][0] == "e" and told[3][1].exception() is refused and w.pending == 0

    run(test)


def test_records_waiting_for_the_connection_count_against_the_limit() -> None:
    async def test(loop: Clock) -> None:
        server = Server()
        w = writer(server, limit=3)
        tokens = [w.wait() for _ in range(4)]
        assert tokens[3] is None and w.metrics["record_dropped"] == 1
        assert w.pending == w.waiting == 3 and w.submit(item("a")) is None
        first, second, third = (t for t in tokens if t is not None)
        w.waited(first)  # connected: it submits next, counted once
        assert w.pending == 2 and w.submit(item("b")) is not None and w.pending == 3
        w.forget()  # a new event loop: the old one's waits are gone
        assert w.pending == 0
        w.waited(second)  # an old loop's wait ending late undoes nothing
        assert w.waiting == 0 and w.wait() is not None and w.waiting == 1
        w.waited(third)
        assert w.waiting == 1

    run(test)
