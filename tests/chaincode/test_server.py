"""The chaincode server's start-up checks (it never serves plaintext by accident)."""

from __future__ import annotations

import pytest

from chaincode.evidence import server


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for name in (
        "CHAINCODE_ID",
        "CORE_CHAINCODE_ID_NAME",
        "CHAINCODE_SERVER_ADDRESS",
        "CHAINCODE_TLS_KEY",
        "CHAINCODE_TLS_CERT",
        "CHAINCODE_CLIENT_CA_CERT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_refuses_plaintext_unless_asked(capsys):
    assert server.main(["--ccid", "evidence_1:abc", "--address", "127.0.0.1:0"]) == 2
    assert "TLS key and cert are required" in capsys.readouterr().err


def test_needs_id_and_address(capsys):
    assert server.main(["--insecure"]) == 2
    assert "--ccid" in capsys.readouterr().err


def test_unreadable_tls_file_is_a_message_not_a_trace(tmp_path, capsys):
    code = server.main(
        [
            "--ccid",
            "x:1",
            "--address",
            "127.0.0.1:0",
            "--tls-key",
            str(tmp_path / "missing.key"),
            "--tls-cert",
            str(tmp_path / "missing.crt"),
        ]
    )
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_env_defaults(monkeypatch):
    monkeypatch.setenv("CHAINCODE_ID", "evidence_1:abc")
    monkeypatch.setenv("CHAINCODE_SERVER_ADDRESS", "127.0.0.1:9999")
    args = server.parse_args([])
    assert (args.ccid, args.address, args.insecure) == ("evidence_1:abc", "127.0.0.1:9999", False)
