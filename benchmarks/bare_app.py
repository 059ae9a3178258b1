"""The limit the request path is measured against: a bare FastAPI app, with the same fastapi
and uvicorn as the real one, whose only route validates a 4-field Pydantic body.

    .venv/bin/python -m uvicorn benchmarks.bare_app:app --port 8001 --log-level warning
"""

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class Tag(BaseModel):
    passage_id: str = Field(max_length=64)
    position_key: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    note: str = Field(default="", max_length=5000)


@app.post("/tags", status_code=201)
async def create(tag: Tag) -> Tag:
    return tag
