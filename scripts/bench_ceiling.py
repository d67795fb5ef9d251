"""The framework ceiling for single-event requests: FastAPI + uvicorn answering the
ledger's POST /v1/events with a parse and a 201 and no other work.

`scripts/bench.py --ceiling` serves this app the way the service runs (uvicorn,
the same number of worker processes) and loads it with the same client as the
service in the same run, so the ratio of the two is what the service keeps of
what its framework can do on this machine.
"""

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import ORJSONResponse

app = FastAPI()


@app.post("/v1/events")
async def post(request: Request) -> ORJSONResponse:
    orjson.loads(await request.body())
    return ORJSONResponse({"id": "evt_x", "leaf_hash": "0" * 64, "status": "pending"},
                          status_code=201)
