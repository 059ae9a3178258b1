"""What the JSON twins of the pages declare alike: the errors they document, the `version` an
edit or a delete is based on, and the empty answer of a delete."""

from typing import Annotated, Any

from fastapi import Query, Response, status
from pydantic import BaseModel, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from app.models import MAX_INTEGER, VERSION_HELP

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
# The version a delete or another change was based on; without it, nothing is checked.
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_INTEGER, description=VERSION_HELP)]

# Every delete of the API answers 204 with no body, and 409 if `version` is older than the item.
DELETES: dict[str, Any] = {
    "status_code": status.HTTP_204_NO_CONTENT,
    "responses": NOT_FOUND | STALE,
}


def no_content() -> Response:
    """The answer to a delete: done, nothing to say."""
    return Response(status_code=status.HTTP_204_NO_CONTENT)


MISSING_VERSION = (
    "Send the `version` of the item as you last read it: an edit must name the version it "
    "was based on, so that it cannot overwrite a change someone made in the meantime."
)


class VersionRequired(SQLModel):
    """The API's edits (PATCH) must name the version they were based on."""

    version: StrictInt = Field(ge=1, le=MAX_INTEGER, description=VERSION_HELP)

    @model_validator(mode="before")
    @classmethod
    def _version_given(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("version") is None:
            raise PydanticCustomError("version_missing", MISSING_VERSION)
        return data
