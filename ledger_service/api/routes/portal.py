"""The web portal: one HTML page and its ES modules and styles, served from the package.

No build step and no CDN: the files in ``ledger_service/web/`` are what the
browser runs. Every response carries a strict Content-Security-Policy: scripts
and styles only from this origin, no inline script, no plugins, no framing,
so text from the server or from a pasted document can never run as code (the
page also writes all such text with ``textContent``).
"""

from __future__ import annotations

import re
from importlib import resources

from fastapi import APIRouter
from starlette.responses import Response

from ledger_service.core.errors import NotFound

router = APIRouter(include_in_schema=False)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".png": "image/png", ".svg": "image/svg+xml"}
#: Only plain file names under web/ with a known type: no paths, no dotfiles.
_ASSET = re.compile(r"^portal[a-z0-9-]*\.(js|css|png|svg)$")


def _read(name: str) -> bytes:
    return resources.files("ledger_service.web").joinpath(name).read_bytes()


@router.get("/")
def portal_page() -> Response:
    """The portal's single page (sign-in, then the view of the key's role)."""
    return Response(_read("portal.html"), media_type="text/html; charset=utf-8",
                    headers=SECURITY_HEADERS)


@router.get("/portal/{name}")
def portal_asset(name: str) -> Response:
    if not _ASSET.match(name):
        raise NotFound(f"no portal file {name}")
    try:
        data = _read(name)
    except FileNotFoundError:
        raise NotFound(f"no portal file {name}") from None
    suffix = name[name.rindex("."):]
    return Response(data, media_type=_TYPES[suffix], headers=SECURITY_HEADERS)
