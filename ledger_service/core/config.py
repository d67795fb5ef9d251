"""Settings, read from LEDGER_* environment variables (and DATABASE_URL).

One place for every knob, so the README's configuration table and the code
cannot drift apart: the table is generated from these field descriptions by
`ledger config`.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    data_dir: Path = Field(Path("./data"), description="Where the SQLite file, the "
                           "service key and the local EVM node's chain live")
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "LEDGER_DATABASE_URL"),
        description="SQLAlchemy URL; unset means a SQLite file in the data dir. "
                    "postgresql://... selects PostgreSQL (psycopg 3)")
    ledger_id: str = Field("credit-evidence", description="Name of this ledger, in every header")
    signing_key: str | None = Field(None, description="Base64 Ed25519 seed; unset means "
                                    "generate one into the data dir on first run (mode 0600)")
    batch_max_events: int = Field(1024, ge=1, le=1_000_000,
                                  description="Seal a batch once this many events are pending")
    batch_max_seconds: float = Field(2.0, gt=0, description="...or once the oldest pending "
                                     "event has waited this long")
    batcher_enabled: bool = Field(True, description="Run the batcher inside `ledger serve`")
    uscc_allowlist: str = Field("", description="Comma-separated legacy unified social credit "
                                "codes accepted despite a failing check character")
    max_body_bytes: int = Field(16 * 1024 * 1024, description="Largest request body accepted")
    max_header_bytes: int = Field(32 * 1024, ge=1024, description="Largest request line plus "
                                  "headers accepted (431 beyond)")
    max_bulk_events: int = Field(10_000, description="Most events in one bulk request")
    rate_limit_per_second: float = Field(500.0, ge=0, description="Requests per second per "
                                         "API key (or per client address when unauthenticated), "
                                         "per API process; 0 disables")
    rate_limit_burst: int = Field(1000, ge=1, description="Requests a caller may burst above "
                                  "the rate")
    sqlite_synchronous: str = Field("FULL", pattern="^(OFF|NORMAL|FULL|EXTRA)$",
                                    description="SQLite synchronous pragma (FULL: durable "
                                    "across power loss)")
    sqlite_flush_after_commit: bool = Field(
        False, description="SQLite intake: flush the write-ahead log after the commit, outside "
        "the write lock, once for every group committed meanwhile. Answers still wait for "
        "the flush, but other connections can read the rows during it, before they are on "
        "disk (a row seen by a reader can vanish in a power loss); hence off by default: "
        "each commit flushes inside the write lock")
    fabric_profile: Path | None = Field(None, description="Fabric connection profile; set to "
                                        "anchor every batch header on Fabric")
    evm_rpc_url: str | None = Field(None, description="EVM JSON-RPC node for the second anchor "
                                    "and certificate tokens")
    evm_private_key: str | None = Field(None, description="Hex private key that signs EVM "
                                        "transactions; unset means the node's first unlocked "
                                        "account (or the embedded chain's)")
    evm_enabled: bool = Field(False, description="Anchor on EVM too when Fabric is "
                              "configured (the local node when no RPC URL is set)")
    evm_node: str = Field("auto", pattern="^(auto|off)$", description="auto: with no "
                          "Fabric profile and no RPC URL, anchor on a local EVM node (anvil) "
                          "whose chain lives in the data dir; off: never start it")
    evm_node_port: int = Field(8545, ge=1, le=65535, description="127.0.0.1 port of the "
                               "local EVM node")
    evm_node_chain_id: int = Field(31337, ge=1, description="Chain id of the local EVM node")
    evm_node_state_interval: int = Field(1, ge=1, le=3600, description="Seconds between "
                                         "saves of the local node's chain state")
    anvil: Path | None = Field(None, description="The anvil binary of the local EVM node; "
                               "unset means the one npm installed in anchoring/evm, else PATH")
    anchor_retry_max_seconds: float = Field(30.0, gt=0, description="Longest backoff between "
                                            "anchor retries")
    certificate_valid_days: int = Field(365, ge=1, le=3650, description="Validity of a credit "
                                        "certificate (validFrom to validUntil), in days")
    certificate_tokens: bool = Field(True, description="Mint a soulbound ERC-721 token per "
                                     "certificate, on the EVM chain headers are anchored on")
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL the service is "
                            "reached at: status list and verification page links in "
                            "certificates and QR codes")
    issuer_name: str = Field("海西信用服务平台 / Haixi Credit Service Platform",
                             description="Issuing organization printed on certificates (评级机构)")
    certificate_issue_timeout_seconds: float = Field(
        120.0, ge=0, description="A certificate issuance not finished after this long is "
        "treated as interrupted (a crash) and revoked by the service's recovery sweep")
    cjk_font: Path | None = Field(None, description="TrueType CJK font for certificate PDFs; "
                                  "unset means find WenQuanYi Zen Hei via fontconfig")
    operator_uscc: str = Field("91350100MA8HX0001M", pattern="^[0-9A-Z]{18}$",
                               description="The platform operator's own unified social credit "
                               "code: model.registered events are recorded under it")
    score_fresh_hours: int = Field(72, ge=1, le=24 * 3650, description="A score is current "
                                   "for this long: provenance warns (score_stale) when an "
                                   "approval rests on an older one")
    score_max_age_hours: int = Field(720, ge=1, le=24 * 3650, description="Hard limit: an "
                                     "approval resting on a score older than this fails "
                                     "provenance (score_expired)")

    @model_validator(mode="after")
    def _score_ages(self) -> Settings:
        """A hard limit below the freshness window would fail scores before warning."""
        if self.score_max_age_hours < self.score_fresh_hours:
            raise ValueError("LEDGER_SCORE_MAX_AGE_HOURS must be at least "
                             "LEDGER_SCORE_FRESH_HOURS")
        return self

    @cached_property
    def allowlist(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.uscc_allowlist.split(",") if c.strip())

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            for prefix in ("postgresql://", "postgres://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix):]
            return url
        return f"sqlite:///{self.data_dir / 'ledger.db'}"

    @property
    def evm_node_dir(self) -> Path:
        """Where the local EVM node keeps its chain state, identity and log."""
        return self.data_dir / "evm-node"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")
