"""Bitstring Status List encoding (W3C Bitstring Status List v1.0) and the validity window."""

from __future__ import annotations

import base64
import gzip
from datetime import timedelta

import pytest

from ledger_proof.certificates import status_list
from ledger_proof.timefmt import from_text

from .conftest import CertApi, failed


def test_bit_order_and_encoding() -> None:
    encoded = status_list.encode([0, 9, status_list.LIST_BITS - 1])
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == status_list.LIST_BITS // 8 == 16384
    assert raw[0] == 0b1000_0000 and raw[1] == 0b0100_0000 and raw[-1] == 1
    bits = status_list.decode(encoded)
    assert [i for i in (0, 1, 8, 9, 10) if status_list.bit(bits, i)] == [0, 9]
    assert status_list.encode([]) == status_list.encode([])  # deterministic (mtime 0)


def test_refusals() -> None:
    with pytest.raises(status_list.StatusListError):
        status_list.encode([status_list.LIST_BITS])
    with pytest.raises(status_list.StatusListError):
        status_list.decode("zabc")
    with pytest.raises(status_list.StatusListError):
        status_list.parse_entry({"type": "StatusList2021Entry"})
    with pytest.raises(status_list.StatusListError):
        status_list.parse_entry({"type": "BitstringStatusListEntry", "statusPurpose":
                                 "revocation", "statusListIndex": 3,
                                 "statusListCredential": "https://x"})
    entry = status_list.entry("https://x/v1/status-lists/0", 5)
    assert status_list.parse_entry(entry) == ("https://x/v1/status-lists/0", 5)
    assert status_list.parse_entry([{"type": "Other"}, entry])[1] == 5


def test_validity_window(sqlite_capi: CertApi) -> None:
    from ledger_service.certificates.service import verify_here

    sqlite_capi.scored()
    doc = sqlite_capi.issue()["credential"]
    ctx = sqlite_capi.ctx
    end = from_text(doc["validUntil"])
    start = from_text(doc["validFrom"])
    assert (end - start).days == ctx.settings.certificate_valid_days

    def at(moment):  # type: ignore[no-untyped-def]
        from ledger_proof.certificates import verify as v

        real = v.now
        v.now = lambda: moment
        try:
            return verify_here(ctx, doc).as_dict()
        finally:
            v.now = real

    assert at(end - timedelta(seconds=1))["valid"] is True
    assert failed(at(end + timedelta(seconds=1))) == ["validity_window"]
    assert failed(at(start - timedelta(seconds=1))) == ["validity_window"]
