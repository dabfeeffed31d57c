"""The framework's ceilings, on the same routes and bodies as `POST /v1/events`.

`/v1/events` reads the body and answers 204: what Starlette and uvicorn cost alone.
`/json/v1/events` also parses the body as JSON and answers a JSON object, as the real
endpoint must: what any JSON endpoint costs before it validates or stores anything.
`/v1/recommendations` answers a fixed body of eight items, for bench/recommend.py.
"""

from __future__ import annotations

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def accept(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


async def parse_and_answer(request: Request) -> Response:
    events = orjson.loads(await request.body())["events"]
    body = {"accepted": len(events), "duplicates": 0, "rejected": []}
    return Response(orjson.dumps(body), media_type="application/json")


async def recommendations(request: Request) -> Response:
    items = [{"product_id": str(i), "title": f"Item {i}", "price": "9.99"} for i in range(8)]
    body = {"arm": "treatment", "recommendations": [{"placement": "product", "items": items}]}
    return Response(orjson.dumps(body), media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/v1/events", accept, methods=["POST"]),
        Route("/json/v1/events", parse_and_answer, methods=["POST"]),
        Route("/v1/recommendations", recommendations),
        Route("/healthz", healthz),
    ]
)
