"""Verdicts: every check by name with one of three results, and one of three overall answers.

A check either held (``pass``), did not (``fail``), or could not be judged
with what the verifier was given (``not_checked``: a signature that verifies
only under a key the document itself carries, a receipt on a ledger the
verifier did not pin). The overall answer follows from the checks, never
from a flag a caller sets:

- ``INVALID``: at least one check failed;
- ``UNVERIFIED``: nothing failed, but no check that ties the document to a
  pinned trust anchor (a pinned key, a pinned ledger) passed: the document
  is internally consistent, which a forger achieves just as easily;
- ``VALID``: nothing failed and a trust anchor held.

Exit codes of the command-line verifiers: 0 VALID, 1 INVALID, 2 UNVERIFIED
(and 2 for input that is not a bundle or certificate at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not_checked"
VALID, INVALID, UNVERIFIED = "VALID", "INVALID", "UNVERIFIED"
EXIT_CODES = {VALID: 0, INVALID: 1, UNVERIFIED: 2}

#: What an UNVERIFIED verdict tells people to do, in one line.
HOW_TO_PIN = ("to verify, pin a trust anchor: --key BASE64 (the service's public key), "
              "--fabric PROFILE, or --evm URL --evm-registry ADDRESS")


@dataclass
class Check:
    """One named check. ``trust`` marks a pass that rests on a pinned key or ledger."""

    name: str
    status: str
    detail: str
    trust: bool = False

    def __post_init__(self) -> None:
        if self.status not in (PASS, FAIL, NOT_CHECKED):
            raise ValueError(f"check status {self.status!r}")

    @property
    def ok(self) -> bool | None:
        """True for pass, False for fail, None when not checked."""
        return None if self.status == NOT_CHECKED else self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "ok": self.ok, "detail": self.detail}


def status_of(ok: bool | None) -> str:
    return NOT_CHECKED if ok is None else PASS if ok else FAIL


@dataclass
class Verdict:
    """The checks of one verification and the answer they add up to."""

    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    how_to_pin: str = HOW_TO_PIN

    def add(self, name: str, ok: bool | None, detail: str, *, trust: bool = False) -> Check:
        check = Check(name, status_of(ok), detail, trust=trust and ok is True)
        self.checks.append(check)
        return check

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def verdict(self) -> str:
        if any(c.status == FAIL for c in self.checks):
            return INVALID
        if not any(c.trust for c in self.checks):
            return UNVERIFIED
        return VALID

    @property
    def valid(self) -> bool:
        return self.verdict == VALID

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def as_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        doc: dict[str, Any] = {"verdict": verdict, "valid": verdict == VALID,
                               "checks": [c.as_dict() for c in self.checks],
                               "warnings": list(self.warnings)}
        if verdict == UNVERIFIED:
            doc["how_to_pin"] = self.how_to_pin
        return doc
