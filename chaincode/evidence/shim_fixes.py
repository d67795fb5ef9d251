"""Workarounds for defects of fabric-chaincode-python 2.5.4 (see FACTS.md).

1. Each peer message is handled in its own asyncio task and those tasks write
   to one gRPC stream at once; under parallel load a write fails
   (GRPC_CALL_ERROR_TOO_MANY_OPERATIONS), the message is lost and the peer
   times out after 30 s. Fix: every write to the stream goes through one lock.
2. ``get_state``/``put_state``/``del_state`` do not raise when the peer answers
   ERROR (a missing key and a failed read both look like empty bytes, a failed
   write looks like success). Fix: an ERROR answer raises ``ShimPeerError``.
3. Importing the shim sets the root logger to DEBUG and logs proposal bytes and
   state values at INFO (and a WARNING per message). Fix: root back to WARNING,
   the shim's logger to ERROR.

``apply()`` is idempotent and must run before the chaincode server starts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fabric_chaincode_python.fabric_shim import server as _server
from fabric_chaincode_python.fabric_shim.handler import Handler
from fabric_protos.peer import chaincode_shim_pb2 as _ccshim

#: The shim logs through the logger named "asyncio" (fabric_shim/logging.py).
SHIM_LOGGER_NAME = "asyncio"

_applied = False
_original_ask = Handler._Handler__ask_peer_and_listen  # type: ignore[attr-defined]


class ShimPeerError(Exception):
    """The peer answered ERROR to a state request the shim would have swallowed."""

    def __init__(self, action: str, detail: str) -> None:
        super().__init__(f"peer refused {action}: {detail}")
        self.action = action
        self.detail = detail


class SerializedStreamWriter:
    """Proxy of a gRPC servicer context whose ``write`` is serialized by one lock.

    Everything but ``write`` is delegated, so the shim's handler does not notice.
    """

    def __init__(self, context: Any) -> None:
        self._context = context
        self._lock = asyncio.Lock()

    async def write(self, message: Any) -> None:
        async with self._lock:
            await self._context.write(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


async def _serialized_connect(
    self: _server.ChaincodeService, request_iterator: Any, context: Any
) -> None:
    """ChaincodeService.Connect with the stream wrapped in a SerializedStreamWriter."""
    try:
        handler = Handler(self._ccid, self._cc)
        await handler.chat_with_peer(request_iterator, SerializedStreamWriter(context))
    except asyncio.CancelledError:
        logging.getLogger(__name__).info("peer stream cancelled")


async def _checked_ask(self: Handler, msg: Any, action: str) -> Any:
    """Handler.__ask_peer_and_listen that raises instead of passing an ERROR on."""
    result = await _original_ask(self, msg, action)
    if result is not None and result.type == _ccshim.ChaincodeMessage.ERROR:
        detail = bytes(result.payload).decode("utf-8", errors="replace")
        raise ShimPeerError(action, detail)
    return result


def quiet_logging(level: int = logging.WARNING) -> None:
    """Undo the shim's import-time DEBUG root logger and its payload logging.

    The shim also logs a WARNING ("-->> Look out!") for every peer message, so
    its own logger is held at ERROR: real failures (unhandled task exceptions)
    are still logged.
    """
    logging.getLogger().setLevel(level)
    logging.getLogger(SHIM_LOGGER_NAME).setLevel(max(level, logging.ERROR))


def apply() -> None:
    """Install all workarounds once per process."""
    global _applied
    quiet_logging()
    if _applied:
        return
    _server.ChaincodeService.Connect = _serialized_connect  # type: ignore[method-assign]
    Handler._Handler__ask_peer_and_listen = _checked_ask  # type: ignore[attr-defined]
    _applied = True


def is_applied() -> bool:
    return _applied
