"""JSON responses rendered by orjson (fast, and strict: no NaN, no silent float tricks)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSON(JSONResponse):
    """A JSONResponse (so FastAPI documents a route's ``response_model`` under it) that
    renders with orjson instead of ``json.dumps``."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
