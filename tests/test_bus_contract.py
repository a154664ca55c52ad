"""The Bus contract (server/bus/__init__.py), run on both implementations.

The ``bus`` fixture runs each contract test on a LocalBus and on a RedisBus (a private
redis-server, a fresh channel prefix per test). The tests at the end need several Redis
nodes and run on Redis only.

"Nothing arrived" is checked with a marker: a message published after the one that must
not arrive, on a channel the receiver does hear. Both buses deliver what one publisher
sends in the order it sent it (one Redis server handles commands in order), so once the
marker is in, anything published before it would be too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from server.bus import Bus
from server.bus.local import LocalBus
from server.bus.redis import RedisBus

from .conftest import RedisServer, unique_prefix, wait


class Inbox:
    """A message handler that records ``(channel, payload)`` and lets a test wait for it."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.fail_on: set[bytes] = set()  # payloads the handler raises on, after recording
        self._arrived = asyncio.Event()

    def __call__(self, channel: str, payload: bytes) -> None:
        self.messages.append((channel, payload))
        self._arrived.set()
        if payload in self.fail_on:
            raise RuntimeError("handler bug")

    def on(self, channel: str) -> list[bytes]:
        return [payload for c, payload in self.messages if c == channel]

    async def until(self, predicate: Callable[[], bool], timeout: float = 5) -> None:
        async def poll() -> None:
            while not predicate():
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(poll(), wait(timeout))

    async def count(self, channel: str, n: int) -> list[bytes]:
        """Wait until ``channel`` has carried ``n`` messages; return them."""
        await self.until(lambda: len(self.on(channel)) >= n)
        return self.on(channel)


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest_asyncio.fixture(params=["local", "redis"])
async def bus(request: pytest.FixtureRequest, inbox: Inbox) -> AsyncIterator[Bus]:
    """A started bus of each kind whose messages land in ``inbox``; closed at teardown."""
    instance: Bus
    if request.param == "local":
        instance = LocalBus()
    else:
        redis: RedisServer = request.getfixturevalue("redis_server")
        instance = RedisBus(redis.url, unique_prefix())
    await instance.start(inbox)
    yield instance
    await instance.close()


# -- both buses --------------------------------------------------------------------------


async def test_receives_its_channels_only(bus: Bus, inbox: Inbox) -> None:
    """A subscriber gets what is published on its channel and nothing from other channels."""
    await bus.subscribe(["g:1"])
    await bus.publish("g:2", b"not for us")
    await bus.publish("g:1", b"hello")
    assert await inbox.count("g:1", 1) == [b"hello"]
    assert inbox.messages == [("g:1", b"hello")]


async def test_publish_right_after_subscribe_is_received(bus: Bus, inbox: Inbox) -> None:
    """Once subscribe returns, a message published at once is delivered."""
    for i in range(20):
        await bus.subscribe([f"u:{i}"])
        await bus.publish(f"u:{i}", b"first")
    await inbox.until(lambda: len(inbox.messages) == 20)
    assert sorted(inbox.messages) == sorted((f"u:{i}", b"first") for i in range(20))


async def test_subscribe_many_channels_at_once(bus: Bus, inbox: Inbox) -> None:
    """One subscribe call with 300 channels (given as a generator) covers all of them."""
    await bus.subscribe(f"c:{i}" for i in range(300))
    for i in range(300):
        await bus.publish(f"c:{i}", str(i).encode())
    await inbox.until(lambda: len(inbox.messages) == 300)
    assert sorted(inbox.messages) == sorted((f"c:{i}", str(i).encode()) for i in range(300))


async def test_empty_subscribe_and_unsubscribe(bus: Bus, inbox: Inbox) -> None:
    """Subscribing or unsubscribing no channels is a no-op."""
    await bus.subscribe([])
    await bus.unsubscribe([])
    await bus.subscribe(["a"])
    await bus.publish("a", b"x")
    assert await inbox.count("a", 1) == [b"x"]


async def test_unsubscribe_stops_delivery(bus: Bus, inbox: Inbox) -> None:
    """Nothing from a channel is delivered once unsubscribe from it has returned."""
    await bus.subscribe(["a", "marker"])
    await bus.publish("a", b"before")
    await bus.unsubscribe(["a"])
    delivered = len(inbox.on("a"))  # "before" may or may not have made it: not after this
    await bus.publish("a", b"after")
    await bus.publish("marker", b"done")
    await inbox.count("marker", 1)
    assert len(inbox.on("a")) == delivered and b"after" not in inbox.on("a")


async def test_resubscribe_after_unsubscribe(bus: Bus, inbox: Inbox) -> None:
    """A channel unsubscribed and subscribed again is delivered again."""
    await bus.subscribe(["a"])
    await bus.unsubscribe(["a"])
    await bus.subscribe(["a"])
    await bus.publish("a", b"again")
    assert await inbox.count("a", 1) == [b"again"]


async def test_order_per_channel(bus: Bus, inbox: Inbox) -> None:
    """1,000 messages on each of two channels arrive in publish order on each."""
    await bus.subscribe(["a", "b"])
    for i in range(1000):
        await bus.publish("a", b"%d" % i)
        await bus.publish("b", b"%d" % (1000 - i))
    assert await inbox.count("a", 1000) == [b"%d" % i for i in range(1000)]
    assert await inbox.count("b", 1000) == [b"%d" % (1000 - i) for i in range(1000)]


async def test_concurrent_publishes_all_arrive(bus: Bus, inbox: Inbox) -> None:
    """300 publishes awaited together are all delivered."""
    await bus.subscribe(["a"])
    await asyncio.gather(*(bus.publish("a", b"%d" % i) for i in range(300)))
    assert sorted(await inbox.count("a", 300)) == sorted(b"%d" % i for i in range(300))


async def test_binary_payloads_round_trip(bus: Bus, inbox: Inbox) -> None:
    """Payloads arrive byte for byte: every byte value, empty, and large."""
    payloads = [bytes(range(256)), bytes(range(255, -1, -1)), b"", b"\x00", bytes(range(256)) * 1024]
    await bus.subscribe(["bin"])
    for payload in payloads:
        await bus.publish("bin", payload)
    assert await inbox.count("bin", len(payloads)) == payloads


async def test_channel_names_round_trip(bus: Bus, inbox: Inbox) -> None:
    """The handler gets the channel name exactly as subscribed, whatever its characters."""
    names = ["g:café ☕", "u:{braces}", "with spaces", "x" * 300]
    await bus.subscribe(names)
    for name in names:
        await bus.publish(name, name.encode())
    await inbox.until(lambda: len(inbox.messages) == len(names))
    assert inbox.messages == [(name, name.encode()) for name in names]


async def test_failing_handler_does_not_stop_delivery(bus: Bus, inbox: Inbox, caplog: Any) -> None:
    """A handler that raises is logged, and the next message is still delivered."""
    inbox.fail_on.add(b"boom")
    await bus.subscribe(["a"])
    await bus.publish("a", b"boom")
    await bus.publish("a", b"next")
    assert await inbox.count("a", 2) == [b"boom", b"next"]
    assert "handler failed" in caplog.text


# -- Redis: several nodes ----------------------------------------------------------------

Node = tuple[RedisBus, Inbox]


@pytest_asyncio.fixture
async def redis_node(redis_server: RedisServer) -> AsyncIterator[Callable[[str], Awaitable[Node]]]:
    """``await redis_node(prefix)`` starts a RedisBus (one gateway node); all closed at teardown."""
    started: list[RedisBus] = []

    async def start(prefix: str) -> Node:
        node, inbox = RedisBus(redis_server.url, prefix), Inbox()
        await node.start(inbox)
        started.append(node)
        return node, inbox

    yield start
    for node in started:
        await node.close()


async def test_redis_message_reaches_only_the_subscribed_node(redis_node: Any) -> None:
    """Of three nodes sharing a prefix, only the one subscribed to a channel receives it."""
    prefix = unique_prefix()
    (a, a_inbox), (b, b_inbox), (c, c_inbox) = [await redis_node(prefix) for _ in range(3)]
    await b.subscribe(["g:1"])
    await a.subscribe(["a-marker"])
    await c.subscribe(["c-marker"])  # C hears only its marker
    await a.publish("g:1", b"to b")
    await a.publish("a-marker", b"done")
    await a.publish("c-marker", b"done")
    assert await b_inbox.count("g:1", 1) == [b"to b"]
    await a_inbox.count("a-marker", 1)
    assert a_inbox.messages == [("a-marker", b"done")]
    await c_inbox.count("c-marker", 1)
    assert c_inbox.messages == [("c-marker", b"done")]
    assert b_inbox.messages == [("g:1", b"to b")]


async def test_redis_prefixes_are_isolated(redis_node: Any) -> None:
    """Nodes with different prefixes never hear each other, even on the same channel name."""
    (a, a_inbox), (b, b_inbox) = await redis_node(unique_prefix()), await redis_node(unique_prefix())
    await a.subscribe(["g:1"])
    await b.subscribe(["g:1"])
    # Each node's own later message is its marker for the other node's earlier one.
    await a.publish("g:1", b"from a")
    await b.publish("g:1", b"from b")
    await a.publish("g:1", b"marker")
    await b_inbox.count("g:1", 1)
    await a_inbox.count("g:1", 2)
    assert a_inbox.on("g:1") == [b"from a", b"marker"] and b_inbox.on("g:1") == [b"from b"]


async def test_redis_non_ascii_prefix(redis_node: Any) -> None:
    """A prefix with non-ASCII characters is stripped correctly from received channel names."""
    node, inbox = await redis_node(f"grüße-{unique_prefix()}")
    await node.subscribe(["g:1"])
    await node.publish("g:1", b"x")
    assert await inbox.count("g:1", 1) == [b"x"]
    assert inbox.messages == [("g:1", b"x")]


async def test_redis_unsubscribe_is_per_node(redis_node: Any) -> None:
    """One node unsubscribing a channel does not stop another node receiving it."""
    prefix = unique_prefix()
    (a, _a_inbox), (b, b_inbox) = await redis_node(prefix), await redis_node(prefix)
    await a.subscribe(["g:1"])
    await b.subscribe(["g:1"])
    await a.unsubscribe(["g:1"])
    await a.publish("g:1", b"x")
    assert await b_inbox.count("g:1", 1) == [b"x"]
