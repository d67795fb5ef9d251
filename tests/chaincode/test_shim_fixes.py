"""The fabric-chaincode-python 2.5.4 workarounds do what FACTS.md says they must.

Each defect is first reproduced against the unpatched shim code (so the test
would notice if a new shim release fixed it or changed shape), then shown
fixed through the patched path the server uses.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from fabric_chaincode_python.fabric_shim import server as shim_server
from fabric_chaincode_python.fabric_shim.handler import Handler
from fabric_chaincode_python.fabric_shim.msg_queue_handler import MsgQueueHandler
from fabric_chaincode_python.fabric_shim.response import success
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2

from chaincode.evidence import shim_fixes

Msg = chaincode_shim_pb2.ChaincodeMessage


class OneWriterContext:
    """A gRPC stream that, like grpc.aio, fails a write issued while another is in flight."""

    def __init__(self) -> None:
        self.sent: list = []
        self.busy = False
        self.collisions = 0

    async def write(self, message) -> None:
        if self.busy:
            self.collisions += 1
            raise RuntimeError("GRPC_CALL_ERROR_TOO_MANY_OPERATIONS")
        self.busy = True
        try:
            await asyncio.sleep(0.001)
            self.sent.append(message)
        finally:
            self.busy = False


class SlowEcho:
    """A chaincode whose invoke yields once, so many transactions finish together."""

    async def init(self, stub):
        return success(b"")

    async def invoke(self, stub):
        await asyncio.sleep(0.001)
        return success(stub.get_txid().encode())


def _peer_stream(n: int):
    async def gen():
        yield Msg(type=Msg.REGISTERED)
        yield Msg(type=Msg.READY)
        payload = chaincode_pb2.ChaincodeInput(args=[b"Echo"]).SerializeToString()
        for i in range(n):
            yield Msg(type=Msg.TRANSACTION, txid=f"t{i}", channel_id="evidence", payload=payload)

    return gen()


def _completed(ctx: OneWriterContext) -> set[str]:
    return {m.txid for m in ctx.sent if m.type == Msg.COMPLETED}


def test_apply_is_idempotent_and_installed():
    shim_fixes.apply()
    shim_fixes.apply()
    assert shim_fixes.is_applied()
    assert shim_server.ChaincodeService.Connect is shim_fixes._serialized_connect


def test_unpatched_handler_loses_completions_under_parallel_load():
    """The defect: concurrent tasks write to one stream and messages are lost."""
    ctx = OneWriterContext()
    handler = Handler("evidence:1", SlowEcho())
    logging.disable(logging.CRITICAL)  # the shim logs every lost task
    try:
        asyncio.run(handler.chat_with_peer(_peer_stream(20), ctx))
    finally:
        logging.disable(logging.NOTSET)
    assert ctx.collisions > 0
    assert len(_completed(ctx)) < 20


def test_serialized_connect_delivers_every_completion():
    ctx = OneWriterContext()
    service = shim_server.ChaincodeService("evidence:1", SlowEcho())
    asyncio.run(service.Connect(_peer_stream(20), ctx))
    assert ctx.collisions == 0
    assert _completed(ctx) == {f"t{i}" for i in range(20)}
    assert ctx.sent[0].type == Msg.REGISTER


def test_serialized_writer_delegates_other_attributes():
    class Ctx(OneWriterContext):
        peer_name = "peer0"

    writer = shim_fixes.SerializedStreamWriter(Ctx())
    assert writer.peer_name == "peer0"


async def _state_call(op: str, answer_type: int, answer_payload: bytes):
    """Run one shim state request against a fake peer that answers with answer_type."""
    handler = Handler("evidence:1", SlowEcho())
    ctx = OneWriterContext()
    handler.context = ctx
    handler.msg_queue_handler = MsgQueueHandler(handler)
    if op == "get":
        task = asyncio.create_task(handler.handle_get_state("", "k", "evidence", "tx1"))
    else:
        task = asyncio.create_task(handler.handle_put_state("", "k", b"v", "evidence", "tx1"))
    while not ctx.sent:
        await asyncio.sleep(0)
    await handler.msg_queue_handler.handle_msg_response(
        Msg(type=answer_type, payload=answer_payload, txid="tx1", channel_id="evidence")
    )
    return await task


@pytest.mark.parametrize("op", ["get", "put"])
def test_peer_error_raises_instead_of_looking_like_success(op):
    with pytest.raises(shim_fixes.ShimPeerError, match="ledger is closing"):
        asyncio.run(_state_call(op, Msg.ERROR, b"ledger is closing"))


def test_unpatched_get_state_swallows_peer_error():
    """The defect: the original ask returns the ERROR message as if it were data."""
    original = Handler._Handler__ask_peer_and_listen
    Handler._Handler__ask_peer_and_listen = shim_fixes._original_ask
    try:
        got = asyncio.run(_state_call("get", Msg.ERROR, b"ledger is closing"))
    finally:
        Handler._Handler__ask_peer_and_listen = original
    assert got == b"ledger is closing"


def test_get_state_response_still_returns_value_and_missing_is_empty():
    assert asyncio.run(_state_call("get", Msg.RESPONSE, b"value")) == b"value"
    assert asyncio.run(_state_call("get", Msg.RESPONSE, b"")) == b""


def test_logging_is_quiet_after_apply():
    logging.getLogger().setLevel(logging.DEBUG)  # what the shim import does
    logging.getLogger(shim_fixes.SHIM_LOGGER_NAME).setLevel(logging.DEBUG)
    shim_fixes.apply()
    assert logging.getLogger().level == logging.WARNING
    shim_logger = logging.getLogger(shim_fixes.SHIM_LOGGER_NAME)
    assert not shim_logger.isEnabledFor(logging.WARNING)  # "-->> Look out!" per message
    assert shim_logger.isEnabledFor(logging.ERROR)  # real failures still show
