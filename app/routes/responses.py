"""What the JSON twins of the pages answer alike: the errors they document, and the empty
answer of a delete."""

from typing import Any

import orjson
from fastapi import Response, status
from pydantic import BaseModel, Field

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "No such thing; the message says which."}}
INVALID: Responses = {422: {"description": "The input is invalid; the message says where."}}
CONFLICT: Responses = {
    409: {"description": "It clashes with what is stored; the message says how."}
}


class VersionConflictBody(BaseModel):
    detail: str = Field(description="What happened, for a person.")
    current: dict[str, Any] = Field(description="The item as it is stored now.")
    your_version: int = Field(description="The version the refused change was based on.")


STALE: Responses = {
    409: {
        "description": "Someone changed it since the version you sent, and nothing was saved: "
        "`current` is the item as it is now. (Any other clash answers 409 with a `detail` only.)",
        "model": VersionConflictBody,
    }
}
# Every delete of the API answers 204 with no body, and 409 if `version` is older than the item.
DELETES: dict[str, Any] = {
    "status_code": status.HTTP_204_NO_CONTENT,
    "responses": NOT_FOUND | STALE,
}


def no_content() -> Response:
    """The answer to a delete: done, nothing to say."""
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def model_answer(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    """`model` as JSON, written where the route runs. Returned as a model from a plain (not
    async) route, it would be validated again and written in a second trip to a worker
    thread; the route declares `response_model` so that the API description stays as it was.
    For the routes called most often (tagging)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def json_answer(data: Any) -> Response:
    """A large JSON answer (a network, the matrix, the graph) encoded by orjson in one pass.

    Returned as a dict, FastAPI would first copy every value through `jsonable_encoder` in
    Python: 2.7 s of a 21 MB network's 3 s. The route declares `response_model` so that the
    API description stays as it was; orjson writes dates, enums and text as FastAPI would.
    """
    return Response(orjson.dumps(data), media_type="application/json")
