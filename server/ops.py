"""The operation table: request type -> handler, shared by every transport.

Handlers are plain async functions ``handler(ctx, request) -> result``. They never touch
a socket: the gateway decodes a frame and calls one; the REST API and the console build
the same request and call the same handler with an admin :class:`Actor`. A handler
refuses by raising :class:`protocol.errors.GroupcastError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from protocol.messages import Request

if TYPE_CHECKING:
    from .node import Node

__all__ = ["OPS", "Actor", "Ctx", "Handler", "op"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks. The app admin acts through REST and the console, never a device."""

    user_id: str
    device_id: str = ""
    session_id: str = ""
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Ctx:
    node: Node
    actor: Actor


R = TypeVar("R", bound=Request)
Handler = Callable[[Ctx, Any], Awaitable[Any]]
OPS: dict[type[Request], Handler] = {}


def op(request_type: type[R]) -> Callable[[Callable[[Ctx, R], Awaitable[Any]]], Callable[[Ctx, R], Awaitable[Any]]]:
    """Register the decorated function as the handler of ``request_type``."""

    def register(fn: Callable[[Ctx, R], Awaitable[Any]]) -> Callable[[Ctx, R], Awaitable[Any]]:
        assert request_type not in OPS, f"two handlers for {request_type.__name__}"
        OPS[request_type] = fn
        return fn

    return register
