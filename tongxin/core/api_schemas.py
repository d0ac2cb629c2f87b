"""What every router of the API shares: the body of a refusal, the exception that sends one, and
the bounds of what a request may carry (paging, ids, codes, texts).

The bounds are in the schema so that the OpenAPI document says what the API accepts: a request
outside them is refused with 422 and a Chinese message (``config.api``) before any query runs —
an ``offset`` of 10³³ must not reach PostgreSQL — and a request inside them is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.db import models
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Schema
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

LIMIT_MAX = 200
# Far beyond any list of the platform (a street has some 100,000 people), far below PostgreSQL's
# bigint.
OFFSET_MAX = 1_000_000_000
ID_MAX = 2**63 - 1  # BigAutoField

# PostgreSQL's text cannot hold NUL; everything else is text.
NO_NUL = r"^[^\x00]*$"
# What Python's ``str.strip()`` takes away (``str.isspace``), spelled out so that the pattern means
# the same to the API (pydantic's regex engine), to Python's ``re`` and to JavaScript.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def text_pattern(min_chars: int = 1) -> str:
    """A text without NUL with at least ``min_chars`` characters once stripped: what the services
    accept where they ``strip()`` and then refuse an empty (or too short) text."""
    solid = rf"[^{_SPACE}\x00]"
    if min_chars <= 1:
        return rf"^[^\x00]*{solid}[^\x00]*$"
    return rf"^[^\x00]*{solid}[^\x00]{{{min_chars - 2},}}{solid}[^\x00]*$"


def refused(message) -> PydanticCustomError:
    """An error of the schema with a message of ours (Chinese), which ``config.api`` shows as is."""
    return PydanticCustomError("tongxin", "{message}", {"message": str(message)})


def checked_text(*, max_length: int, min_chars: int = 0, message=None, description: str = "") -> Any:
    """A text the service will take: no NUL, at most ``max_length`` characters and, when
    ``min_chars``, at least that many once stripped (else ``message``). The schema says the same
    with a pattern, so a generated text that matches it is one the API accepts."""
    pattern = text_pattern(min_chars) if min_chars else NO_NUL

    def check(value: str) -> str:
        if "\x00" in value:
            raise refused(_("不能含有空字符"))
        if len(value.strip()) < min_chars:
            raise refused(message or _("请填写内容"))
        if len(value) > max_length:
            raise refused(_("不能超过 %(n)d 个字") % {"n": max_length})
        return value

    schema: dict[str, Any] = {"type": "string", "pattern": pattern, "maxLength": max_length}
    if description:
        schema["description"] = description
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


def checked_choice(choices: type[models.TextChoices], message, *, blank: bool = False) -> Any:
    """One of ``choices`` (or "" when ``blank``), refused with ``message`` (Chinese) otherwise: a
    closed vocabulary whose refusal says what to choose, not only that the value is not listed."""
    values = [*([""] if blank else []), *choices.values]

    def check(value: str) -> str:
        if value not in values:
            raise refused(message)
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string", "enum": values})]


# A day from 1900 to 2999, exactly: every string the pattern matches is a date (the 29th of
# February in leap years only). Far wider than any period of the platform, and narrow enough that
# "the day after" and the local midnight of either end are dates of Python's too.
DAY_PATTERN = (
    r"^(?:(?:19|2[0-9])[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)|(?:(?:19|2[0-9])(?:0[48]|[2468][048]|[13579][26])|2000|2400|2800)-02-29)$"
)


def _day(value: Any) -> Any:
    # Only the string: pydantic would read a number as a Unix time.
    if not isinstance(value, str) or not re.fullmatch(DAY_PATTERN, value):
        raise refused(_("日期格式应为 2024-09-10（1900 至 2999 年）"))
    return value


Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({
    "type": "string", "format": "date", "pattern": DAY_PATTERN,
    "description": "日期，如 2024-09-10（1900 至 2999 年）"})]


# A moment as RFC 3339 writes it (``2024-09-10T08:30:00+08:00``, ``…Z``), on a day of ``DAY_PATTERN``
# and with an offset of a real time zone (−12:00 to +14:00; PostgreSQL refuses ±23:59).
_DAY = DAY_PATTERN[1:-1]
MOMENT_PATTERN = (
    rf"^(?:{_DAY})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,6}})?"
    r"(?:Z|\+(?:0[0-9]|1[0-3]):[0-5][0-9]|\+14:00|-(?:0[0-9]|1[01]):[0-5][0-9]|-12:00)$"
)


def _moment(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(MOMENT_PATTERN, value):
        raise refused(_("时间格式应为 2024-09-10T08:30:00+08:00（1900 至 2999 年）"))
    return value


Moment = Annotated[datetime, BeforeValidator(_moment), WithJsonSchema({
    "type": "string", "format": "date-time", "pattern": MOMENT_PATTERN,
    "description": "时间，如 2024-09-10T08:30:00+08:00（1900 至 2999 年）"})]


def solid_when(field: str, condition: dict, *, max_length: int, required: Iterable[str] = ()) -> dict:
    """``if condition then field is required and not blank``, for the schema's ``allOf``: a rule
    between fields (a note required for some moves only) that JSON Schema can state. The field's
    own bounds are repeated, so that the branch alone says all that a value must be."""
    return {"if": condition, "then": {"required": [*required, field], "properties": {field: {
        "type": "string", "pattern": text_pattern(1), "maxLength": max_length}}}}


def schema_requires(*names: str) -> Callable[[dict], None]:
    """A ``json_schema_extra`` marking ``names`` required although the model gives them a default:
    the default only lets the model's own validator say, in Chinese, what is missing."""

    def extra(schema: dict) -> None:
        schema["required"] = sorted({*schema.get("required", []), *names})

    return extra


def _json_int(value: Any) -> Any:
    # JSON Schema's integer: 3 or 3.0, never "3" nor true (pydantic alone would take both).
    if isinstance(value, (str, bool)):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_int)]
"""An integer of a JSON body, read as the schema says: an integral number, nothing else."""
# An id in a JSON body (bounds before the validator, or pydantic would not put them in the schema).
JsonId = Annotated[int, Field(ge=1, le=ID_MAX), BeforeValidator(_json_int)]

Limit = Annotated[int, Field(ge=1, le=LIMIT_MAX, description="每页条数（1–200）")]
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX, description="跳过的条数")]
# An org's code as ``orgs.models.code_validator`` allows it; empty where the parameter is optional.
OrgCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]*$", max_length=40)]
Slug = Annotated[str, Field(pattern=r"^[-A-Za-z0-9_]*$", max_length=60)]
# Free text of a search or a note: anything but NUL.
Text = Annotated[str, Field(pattern=NO_NUL)]


def id_path(description: str = "") -> Any:
    """An id in the path: a positive bigint (a larger number would overflow the query)."""
    return Path[int, {"ge": 1, "le": ID_MAX, "description": description}]


def code_path(pattern: str = r"^[A-Za-z0-9_-]{1,40}$", description: str = "") -> Any:
    return Path[str, {"pattern": pattern, "description": description}]


def choice(choices: type[models.TextChoices] | list[str] | tuple[str, ...], *, blank: bool = False) -> Any:
    """A closed vocabulary as an enum of the schema; ``blank`` adds "" (no filter)."""
    values = tuple(choices.values if isinstance(choices, type) else choices)
    return Literal[(("",) if blank else ()) + values]  # type: ignore[valid-type]


class ErrorOut(Schema):
    """Every refusal of the API: a Chinese ``detail`` to show, a stable ``code`` to react to (every
    refusal of the API's own; a proxy's or a middleware's may lack it) and, for input the API
    cannot use, the messages by field."""

    detail: str
    code: str = Field("", description="not_authenticated, forbidden, not_found, invalid, bad_request, "
                                      "conflict, or the operation's own")
    errors: dict[str, list[str]] = Field(default_factory=dict)


class Refusal(Exception):
    """Raised by a router to answer ``status`` with an ``ErrorOut`` body (``config.api``)."""

    def __init__(self, status: int, detail: str, code: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.code, self.errors = status, str(detail), code, errors

    def body(self) -> dict:
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def not_found(detail: str) -> Refusal:
    """Something the request names (an org's code, a campaign, a unit) that does not exist or that
    the account may not see."""
    return Refusal(404, detail, "not_found")


def conflict(detail: str, code: str = "conflict", errors: dict[str, list[str]] | None = None) -> Refusal:
    """A well-formed request that the state of what it names does not allow now."""
    return Refusal(409, detail, code, errors)


def messages_of(error) -> tuple[str, dict[str, list[str]]]:
    """A Django ``ValidationError`` as a detail and messages by field."""
    detail = "；".join(str(m) for m in error.messages)
    errors = ({field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
              if hasattr(error, "error_dict") else {})
    return detail, errors


__all__ = [
    "DAY_PATTERN", "ID_MAX", "LIMIT_MAX", "MOMENT_PATTERN", "NO_NUL", "OFFSET_MAX", "Day", "ErrorOut", "JsonId",
    "JsonInt", "Limit", "Moment", "Offset", "OrgCode", "Refusal", "Slug", "Text", "checked_choice", "checked_text",
    "choice", "code_path", "conflict", "id_path", "messages_of", "not_found", "refused", "schema_requires",
    "solid_when", "text_pattern",
]
