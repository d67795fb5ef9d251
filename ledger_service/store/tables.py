"""Tables. SQLModel declares them; hot paths use their SQLAlchemy Core tables directly.

Times are integer microseconds since the epoch (sortable and exact on every
database); the committed text form lives inside the canonical event body.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_enterprise_pos", "enterprise_id", "pos"),
        # Model registrations are found by type (scoring); a partial index, free for the rest.
        Index("ix_events_model_registrations", "pos",
              sqlite_where=text("type = 'model.registered'"),
              postgresql_where=text("type = 'model.registered'")),
    )

    # INTEGER on SQLite so the column is the rowid alias; BIGINT elsewhere.
    pos: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    id: str = Field(max_length=40, unique=True, nullable=False)
    type: str = Field(max_length=32, nullable=False)
    enterprise_id: str = Field(max_length=18, nullable=False)
    org: str = Field(max_length=128, nullable=False)
    loan_id: str | None = Field(default=None, max_length=128)
    occurred_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    recorded_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    refs: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of event ids
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    salt: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    commitment: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    org_signature: str | None = Field(default=None, max_length=200)
    erased_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    erasure_reason: str | None = Field(default=None, max_length=500)


class Batch(SQLModel, table=True):
    """A sealed batch covers the events with first_pos <= pos <= last_pos, in pos order.

    Batches tile the event sequence without gaps or overlaps (each starts right
    after its predecessor's last_pos), so which batch holds an event, and at
    which leaf, follows from its position: sealing writes one row, not one per
    event, the way a Certificate Transparency log assigns sequence numbers.
    """

    __tablename__ = "batches"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    header: str = Field(sa_column=Column(Text, nullable=False))  # JCS text of the header
    header_hash: str = Field(max_length=64, unique=True, nullable=False)
    signature: str = Field(max_length=200, nullable=False)
    key_id: str = Field(max_length=64, nullable=False)
    merkle_root: str = Field(max_length=64, nullable=False)
    size: int = Field(nullable=False)
    first_pos: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_pos: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    sealed_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class BatchNodes(SQLModel, table=True):
    """A sealed batch's upper Merkle levels (store.trees.pack_upper), written with the batch.

    Lets a proof read O(log n) hashes instead of rebuilding the batch's tree from
    all its leaves. Derived data: the batch row's merkle_root is what is signed.
    """

    __tablename__ = "batch_nodes"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    nodes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Anchor(SQLModel, table=True):
    __tablename__ = "anchors"
    __table_args__ = (UniqueConstraint("batch_seq", "backend", name="uq_anchor_batch_backend"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_seq: int = Field(nullable=False, index=True)
    backend: str = Field(max_length=16, nullable=False)
    receipt: str = Field(sa_column=Column(Text, nullable=False))
    anchored_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True, nullable=False)
    prefix: str = Field(max_length=16, nullable=False)
    role: str = Field(max_length=16, nullable=False)
    org: str = Field(max_length=128, nullable=False)
    label: str | None = Field(default=None, max_length=200)
    created_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    revoked_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class Org(SQLModel, table=True):
    __tablename__ = "orgs"

    name: str = Field(primary_key=True, max_length=128)
    public_key: str | None = Field(default=None, max_length=64)
    require_signatures: bool = Field(default=False, nullable=False)
    created_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class KeyValue(SQLModel, table=True):
    """Small named facts the service must keep (deployed contract addresses, ...)."""

    __tablename__ = "kv"

    key: str = Field(primary_key=True, max_length=128)
    value: str = Field(sa_column=Column(Text, nullable=False))


#: The predicate of ix_events_model_registrations, spelled as the index spells it (a bound
#: parameter would keep SQLite from using a partial index).
MODEL_REGISTRATIONS = text("events.type = 'model.registered'")
EVENTS = Event.__table__  # type: ignore[attr-defined]
BATCHES = Batch.__table__  # type: ignore[attr-defined]
BATCH_NODES = BatchNodes.__table__  # type: ignore[attr-defined]
ANCHORS = Anchor.__table__  # type: ignore[attr-defined]
API_KEYS = ApiKey.__table__  # type: ignore[attr-defined]
ORGS = Org.__table__  # type: ignore[attr-defined]
KV = KeyValue.__table__  # type: ignore[attr-defined]
