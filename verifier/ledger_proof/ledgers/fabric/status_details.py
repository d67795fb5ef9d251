"""Decode the Gateway's google.rpc.Status details without googleapis-common-protos.

The Gateway attaches ``gateway.ErrorDetail`` messages (which endorser or
orderer said what) to its gRPC errors, in the ``grpc-status-details-bin``
trailer as a google.rpc.Status. That proto is not in this environment, and
registering our own copy of ``google.rpc.Status`` could collide with
googleapis-common-protos if another library loads it, so the three fields we
need are read straight from the protobuf wire format.
"""

from __future__ import annotations

from collections.abc import Iterable

from fabric_protos.gateway import gateway_pb2
from google.protobuf.message import DecodeError

from ledger_proof.ledgers.fabric.errors import ErrorDetail

STATUS_DETAILS_KEY = "grpc-status-details-bin"
_ERROR_DETAIL_TYPE = "type.googleapis.com/gateway.ErrorDetail"


class WireError(ValueError):
    """Bytes that are not a well-formed protobuf message."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise WireError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes) -> Iterable[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field; only varint and bytes are kept."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _varint(buf, pos)
            yield number, wire_type, value
        elif wire_type == 2:
            length, pos = _varint(buf, pos)
            if pos + length > len(buf):
                raise WireError("truncated length-delimited field")
            yield number, wire_type, buf[pos : pos + length]
            pos += length
        elif wire_type == 1:
            pos += 8
        elif wire_type == 5:
            pos += 4
        else:
            raise WireError(f"unsupported wire type {wire_type}")


def parse_status(buf: bytes) -> tuple[int, str, tuple[ErrorDetail, ...]]:
    """google.rpc.Status bytes → (code, message, gateway error details)."""
    code, message, details = 0, "", []
    for number, wire_type, value in fields(buf):
        if number == 1 and wire_type == 0:
            code = int(value)  # type: ignore[arg-type]
        elif number == 2 and wire_type == 2:
            message = bytes(value).decode("utf-8", errors="replace")  # type: ignore[arg-type]
        elif number == 3 and wire_type == 2:
            type_url, payload = "", b""
            for any_number, _, any_value in fields(bytes(value)):  # type: ignore[arg-type]
                if any_number == 1:
                    type_url = bytes(any_value).decode(errors="replace")  # type: ignore[arg-type]
                elif any_number == 2:
                    payload = bytes(any_value)  # type: ignore[arg-type]
            if type_url == _ERROR_DETAIL_TYPE:
                detail = gateway_pb2.ErrorDetail.FromString(payload)
                details.append(ErrorDetail(detail.address, detail.msp_id, detail.message))
    return code, message, tuple(details)


def details_from_metadata(
    metadata: Iterable[tuple[str, str | bytes]] | None,
) -> tuple[ErrorDetail, ...]:
    """Gateway error details from a call's trailing metadata; () when absent or unreadable."""
    for key, value in metadata or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            try:
                return parse_status(value)[2]
            except (WireError, ValueError, DecodeError):
                return ()
    return ()
