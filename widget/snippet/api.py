"""The browser snippet's files and the example shop page: `/js/{name}` and `/demo/`.

`js/build.mjs` writes `widget/snippet/static/js/`: the versioned script `basketlift.<hash>.js`
(served immutable for a year), `loader.js` (served for five minutes, it names the current
script), `snippet.js` (the tag a shop pastes) and `manifest.json` naming them. The files
are read once, on the first request that needs them.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from widget.platform.openapi import error, query
from widget.platform.responses import ApiError
from widget.platform.services import services

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
LOADER_CACHE = "public, max-age=300"
DEMO_PRODUCT = "85123A"
_SITE_KEY = re.compile(r"pk_[a-z0-9][a-z0-9-]{0,39}_[0-9a-f]{8,64}")
_PRODUCT_ID = re.compile(r"[^\x00-\x1f]{1,128}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_PRICE = re.compile(r"[0-9]{1,9}(\.[0-9]{1,4})?")
_CART = re.compile(r"[^\x00-\x1f]{1,2000}")


@dataclass(frozen=True)
class Asset:
    """One file as served: its body, plain and gzipped, and its cache policy."""

    body: bytes
    gzipped: bytes
    etag: str
    cache_control: str

    @classmethod
    def of(cls, body: bytes, cache_control: str) -> Asset:
        digest = hashlib.sha256(body).hexdigest()[:16]
        return cls(body, gzip.compress(body, mtime=0), f'"{digest}"', cache_control)


@dataclass(frozen=True)
class SnippetFiles:
    """The built files of `js/`, by the name they are served under."""

    assets: dict[str, Asset]
    snippet: str

    @classmethod
    def load(cls, folder: Path) -> SnippetFiles:
        manifest: dict[str, Any] = orjson.loads((folder / "manifest.json").read_bytes())
        script, loader = str(manifest["script"]), str(manifest["loader"])
        return cls(
            {
                script: Asset.of((folder / script).read_bytes(), IMMUTABLE),
                "loader.js": Asset.of((folder / loader).read_bytes(), LOADER_CACHE),
            },
            str(manifest["snippet"]),
        )

    def tag(self, site_key: str, loader_url: str) -> str:
        """The `<script>` a shop pastes, for its site key and this server's loader."""
        code = self.snippet.replace("__SITE_KEY__", site_key)
        return f"<script>{code.replace('__LOADER_URL__', loader_url)}</script>"


class _Files:
    """Reads the built files on first use, so that an app without them still starts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: SnippetFiles | None = None

    def get(self) -> SnippetFiles:
        if self._loaded is None:
            try:
                self._loaded = SnippetFiles.load(self.folder / "js")
            except (OSError, ValueError, KeyError) as missing:
                raise ApiError(
                    503, "snippet_not_built", f"run `npm run build` in js/: {missing}"
                ) from None
        return self._loaded


def _asset_response(request: Request, asset: Asset) -> Response:
    headers = {
        "Cache-Control": asset.cache_control,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, headers=headers, media_type="text/javascript; charset=utf-8")


def _param(request: Request, name: str, pattern: re.Pattern[str], default: str = "") -> str:
    value = request.query_params.get(name, "")
    if not value:
        return default
    if not pattern.fullmatch(value):
        raise ApiError(422, "invalid_parameter", f"{name} is not valid", name)
    return value


def _demo_page(request: Request, files: _Files) -> str:
    site_key = _param(request, "site_key", _SITE_KEY)
    product_id = _param(request, "product_id", _PRODUCT_ID, DEMO_PRODUCT)
    cart = ",".join(_param(request, "cart", _CART).split(",")[:20])
    values = {
        "product_id": product_id,
        "cart": cart,
        "price": _param(request, "price", _PRICE),
        "currency": _param(request, "currency", _CURRENCY),
    }
    snippet = notice = ""
    base_url = services(request).settings.base_url
    if site_key:
        snippet = files.get().tag(site_key, f"{base_url}/js/loader.js")
    else:
        notice = (
            '<p class="notice">Add <code>?site_key=pk_...</code> to this address: the site '
            "key of a shop whose allowed origins include "
            f"<code>{html.escape(base_url)}</code>. Optional: "
            "<code>product_id</code>, <code>cart</code> (comma-separated ids).</p>"
        )
    template = (STATIC_DIR / "demo" / "index.html").read_text(encoding="utf-8")
    page = template.replace("{{snippet}}", snippet).replace("{{notice}}", notice)
    page = page.replace("{{snippet_text}}", html.escape(snippet or "(no site key given)"))
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", html.escape(value))
    return page


def routes(folder: Path = STATIC_DIR) -> list[Route]:
    """`/js/{name}` (the loader and the versioned script) and the example shop `/demo/`."""
    files = _Files(folder)

    async def script_file(request: Request) -> Response:
        """The loader (cached for minutes) or a versioned script (cached for a year)."""
        asset = files.get().assets.get(request.path_params["name"])
        if asset is None:
            raise ApiError(404, "not_found", "no such script; load /js/loader.js", "name")
        return _asset_response(request, asset)

    async def demo(request: Request) -> Response:
        """An example shop page with the snippet and the four widgets."""
        return HTMLResponse(_demo_page(request, files), headers={"Cache-Control": "no-store"})

    return [
        Route("/js/{name}", script_file, methods=["GET"]),
        Route("/demo/", demo, methods=["GET"]),
    ]


_DEMO_PATTERNS = {
    "site_key": _SITE_KEY,
    "product_id": _PRODUCT_ID,
    "cart": _CART,
    "price": _PRICE,
    "currency": _CURRENCY,
}


def _demo_query(name: str, description: str) -> dict[str, Any]:
    # An empty value is as good as none (`_param`).
    return query(name, description, pattern=f"^(?:{_DEMO_PATTERNS[name].pattern})?$")


paths = {
    "/js/{name}": {
        "get": {
            "summary": "The snippet's loader or its versioned script",
            "description": "`loader.js` is cached for 5 minutes and loads the current "
            "`basketlift.<hash>.js`, which is cached for a year (immutable).",
            "parameters": [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "`loader.js` or `basketlift.<hash>.js`",
                }
            ],
            "responses": {
                "200": {"description": "JavaScript", "content": {"text/javascript": {}}},
                "304": {"description": "Not modified (If-None-Match)"},
                "404": error("No such script"),
                "503": error("The snippet has not been built"),
            },
        }
    },
    "/demo/": {
        "get": {
            "summary": "An example shop page with the snippet and widgets",
            "parameters": [
                _demo_query("site_key", "the site key of a shop that allows this origin"),
                _demo_query("product_id", "the product of the page (default 85123A)"),
                _demo_query("cart", "comma-separated product ids in the basket"),
                _demo_query("price", "the product's price, e.g. 2.55"),
                _demo_query("currency", "ISO 4217 code, e.g. GBP"),
            ],
            "responses": {
                "200": {"description": "HTML", "content": {"text/html": {}}},
                "422": error("A parameter is not valid"),
                "503": error("The snippet has not been built"),
            },
        }
    },
}
