"""Named failures of the Fabric client; the backend maps them to AnchorError classes."""

from __future__ import annotations

from dataclasses import dataclass


class FabricError(Exception):
    """Base of every Fabric client failure."""


class ProfileError(FabricError, ValueError):
    """The connection profile is missing, unreadable or incomplete (a bad setting)."""


class IdentityError(FabricError, ValueError):
    """A certificate or private key could not be loaded or does not match (a bad setting)."""


@dataclass(frozen=True)
class ErrorDetail:
    """One endorser's or orderer's complaint, as the Gateway attaches it to an error."""

    address: str
    msp_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.address} ({self.msp_id}): {self.message}"


class GatewayError(FabricError):
    """A Gateway call failed; carries the gRPC status and the Gateway's error details."""

    operation = "gateway"

    def __init__(
        self,
        message: str,
        *,
        grpc_code: str = "",
        details: tuple[ErrorDetail, ...] = (),
        tx_id: str = "",
    ) -> None:
        self.grpc_code = grpc_code
        self.details = details
        self.tx_id = tx_id
        self.raw_message = message
        text = f"{self.operation} failed ({grpc_code or 'no status'}): {message}"
        if details:
            text += "; details: " + "; ".join(str(d) for d in details)
        super().__init__(text)

    @property
    def unavailable(self) -> bool:
        """True when the network did not answer (retry may help), not a refusal."""
        return self.grpc_code in {
            "UNAVAILABLE",
            "DEADLINE_EXCEEDED",
            "CANCELLED",
            "RESOURCE_EXHAUSTED",
        }

    def all_messages(self) -> list[str]:
        return [self.raw_message, *(d.message for d in self.details)]


class EvaluateError(GatewayError):
    operation = "evaluate"


class EndorseError(GatewayError):
    operation = "endorse"


class SubmitError(GatewayError):
    operation = "submit"


class CommitStatusError(GatewayError):
    operation = "commit status"


class TransactionInvalid(FabricError):
    """The transaction was ordered but the peers marked it invalid (e.g. MVCC conflict)."""

    def __init__(self, tx_id: str, validation_code: str, block_number: int) -> None:
        super().__init__(
            f"transaction {tx_id} committed as invalid: {validation_code} (block {block_number})"
        )
        self.tx_id = tx_id
        self.validation_code = validation_code
        self.block_number = block_number
