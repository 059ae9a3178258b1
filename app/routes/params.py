"""Parameters that the pages and their JSON twins share: the version a change was based on,
the tag filters, and dates and moments a filter form may leave blank, described in the API so
that a generated client sends what is taken."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Query
from pydantic import Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from app.deps import BlindingDep
from app.models import MAX_INTEGER, VERSION_HELP
from app.services.blinding import Layer
from app.services.filter_values import parse_date
from app.services.tag_filters import TagFilters

# The version a delete or another change was based on; without it, nothing is checked.
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_INTEGER, description=VERSION_HELP)]
# The same, kept by a page's edit form from when it was filled in.
VersionForm = Annotated[int | None, Form(ge=1, le=MAX_INTEGER, description=VERSION_HELP)]

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


# An empty field of a filter form means "no filter".
BLANK = {"type": "string", "maxLength": 0}
DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
DATE_OR_BLANK: dict[str, Any] = {"anyOf": [BLANK, DATE]}
MOMENT_OR_BLANK: dict[str, Any] = {
    "anyOf": [BLANK, DATE, {"type": "string", "format": "date-time", "maxLength": 40}]
}


# The tag filters (app/services/tag_filters.py), under the same names on every route that takes
# them: the matrix, the networks, the CSV of tags. Blank is no filter, as an empty form field.
def _key(description: str) -> Any:
    return Query(max_length=64, description=description)


def _date(description: str) -> Any:
    return Query(max_length=10, description=description, json_schema_extra=DATE_OR_BLANK)


def _given(value: str) -> str | None:
    return value.strip() or None


async def cell_tag_filters(
    blinding: BlindingDep,
    document: Annotated[str, _key("Tags in this document (its id).")] = "",
    outlet: Annotated[
        str, Query(max_length=200, description="Tags in documents of this outlet (any case).")
    ] = "",
    analyst: Annotated[str, Query(max_length=80, description="Tags this analyst made.")] = "",
    actor: Annotated[
        str,
        _key(
            "Tags that name this actor (its key); in the networks, the statements of this "
            "actor, an author's included (docs/networks.md)."
        ),
    ] = "",
    since: Annotated[str, _date("Tags in documents published on or after (YYYY-MM-DD).")] = "",
    until: Annotated[str, _date("Tags in documents published on or before (YYYY-MM-DD).")] = "",
    undated: Annotated[
        bool,
        Query(description="Count tags in documents without a publication date (any range)."),
    ] = True,
    examples: Annotated[
        bool,
        Query(
            description="Count the starter map's example tags (the Export page leaves them "
            "out unless asked)."
        ),
    ] = True,
    layer: Annotated[
        Layer,
        Query(
            description="Which tags: `all`, or only the `adjudicated` layer (the curators' "
            "decisions on independently coded documents). One analyst's: `analyst`."
        ),
    ] = Layer.all,
) -> TagFilters:
    """The tag filters but position and topic, for a cell of the matrix, which names its own.
    The reader's blinding (the documents they code independently) is added to them."""
    return TagFilters(
        layer=layer,
        blinding=blinding,
        document=_given(document),
        outlet=_given(outlet),
        analyst=_given(analyst),
        actor=_given(actor),
        since=parse_date(since, "since"),
        until=parse_date(until, "until"),
        include_undated=undated,
        include_examples=examples,
    )


async def tag_filters(
    chosen: Annotated[TagFilters, Depends(cell_tag_filters)],
    position: Annotated[str, _key("Tags of this position (its key).")] = "",
    topic: Annotated[
        str, _key("Tags on this topic (its key), or whose claim is when they have none.")
    ] = "",
) -> TagFilters:
    """Every tag filter, read from the query once for every route that takes them."""
    return replace(chosen, position=_given(position), topic=_given(topic))


TagFiltersDep = Annotated[TagFilters, Depends(tag_filters)]
CellTagFiltersDep = Annotated[TagFilters, Depends(cell_tag_filters)]


def parse_moment(name: str, value: str, end_of_day: bool) -> datetime | None:
    """A date (the day's start, or with `end_of_day` the next day's) or an RFC 3339 date-time
    (UTC unless it says otherwise), in UTC; empty means no limit."""
    if not value:
        return None
    refused = HTTPException(
        422, f"{name}: '{value[:40]}' is not a date (YYYY-MM-DD) or an ISO 8601 date-time."
    )
    try:
        if len(value) == len("YYYY-MM-DD"):
            moment = datetime.combine(date.fromisoformat(value), time(), UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        # RFC 3339 allows a lower-case t and z, and a leap second, which Python does not read.
        text = value.upper()
        leap = text[17:19] == "60" and text[13:14] == ":"
        if leap:
            text = f"{text[:17]}59{text[19:]}"
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC) + timedelta(seconds=1 if leap else 0)
    except (ValueError, OverflowError):
        raise refused from None
