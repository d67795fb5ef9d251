"""Who the caller is: the role and org of its API key.

The portal signs in with a pasted key and shows who it acts as; an unknown or
revoked key gets the API's 401, which the portal tells the user in words.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ledger_service.api.deps import Caller
from ledger_service.api.schemas.errors import KEYED, error_responses

router = APIRouter(tags=["access"])


class WhoAmI(BaseModel):
    """The identity a key acts as; never the key itself."""

    key_id: int
    role: str
    org: str


@router.get("/v1/whoami", summary="The role and org of the calling API key",
            response_model=WhoAmI, responses=error_responses(KEYED))
def whoami(caller: Caller) -> WhoAmI:
    return WhoAmI(key_id=caller.key_id, role=caller.role, org=caller.org)
