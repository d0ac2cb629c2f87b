"""The schemas of the voices API (``api``): what goes in and what comes out, with the English
values of the models' choices and their Chinese names beside them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, ValidationInfo, field_validator

from tongxin.core.api_schemas import (
    ID_MAX, NO_NUL, Day, JsonId, Limit, Offset, OrgCode, Slug, Text, checked_choice, checked_text, choice, refused,
    schema_requires, solid_when,
)

from .models import Channel, Library, Rating, Voice, VoiceEvent, VoiceKind, VoiceStatus
from .selectors.lists import RESULTS
from .services.intake import TEXT_MAX, TEXT_MIN
from .services.workflow import NOTE_MAX


class VoiceOut(Schema):
    id: int
    kind: str
    kind_name: str
    channel: str
    channel_name: str
    text: str
    urgent: bool
    speaker: str
    org: str
    org_name: str
    household: str | None
    library: str
    library_name: str
    category: str | None
    category_name: str | None
    suggested_library: str
    suggested_category: str
    status: str
    status_name: str
    submitted_at: datetime
    responded_at: datetime | None
    due_at: datetime | None
    overdue: bool
    handler: str | None
    handler_unit: str | None
    handler_unit_name: str | None
    reject_reason: str
    resolution: str
    resolved_at: datetime | None
    rating: str
    rating_name: str
    rated_at: datetime | None
    duplicate_of: int | None
    public_summary: str
    published_at: datetime | None

    @staticmethod
    def resolve_kind_name(obj: Voice) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_channel_name(obj: Voice) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_speaker(obj: Voice) -> str:
        return obj.speaker_name

    @staticmethod
    def resolve_org(obj: Voice) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj: Voice) -> str:
        return obj.org.name

    @staticmethod
    def resolve_household(obj: Voice) -> str | None:
        return obj.household.number if obj.household_id else None

    @staticmethod
    def resolve_library_name(obj: Voice) -> str:
        return str(obj.get_library_display()) if obj.library else ""

    @staticmethod
    def resolve_category(obj: Voice) -> str | None:
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_category_name(obj: Voice) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_status_name(obj: Voice) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj: Voice) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_handler(obj: Voice) -> str | None:
        return obj.handler.display_name if obj.handler_id else None

    @staticmethod
    def resolve_handler_unit(obj: Voice) -> str | None:
        return obj.handler_unit.code if obj.handler_unit_id else None

    @staticmethod
    def resolve_handler_unit_name(obj: Voice) -> str | None:
        return obj.handler_unit.name if obj.handler_unit_id else None

    @staticmethod
    def resolve_rating_name(obj: Voice) -> str:
        return str(obj.get_rating_display()) if obj.rating else ""

    @staticmethod
    def resolve_duplicate_of(obj: Voice) -> int | None:
        return obj.duplicate_of_id


class EventOut(Schema):
    action: str
    action_name: str
    from_status: str
    to_status: str
    by: str
    at: datetime
    note: str

    @staticmethod
    def resolve_action_name(obj: VoiceEvent) -> str:
        return str(obj.get_action_display())

    @staticmethod
    def resolve_by(obj: VoiceEvent) -> str:
        return obj.by_name


class VoiceDetailOut(VoiceOut):
    history: list[EventOut]

    @staticmethod
    def resolve_history(obj: Voice) -> list[VoiceEvent]:
        return list(obj.events.order_by("at", "id"))


class VoicesOut(Schema):
    count: int
    items: list[VoiceOut]


# --- What goes in ----------------------------------------------------------------------------------
#
# The schema says what the API takes, so that a request it allows is one the API reads: closed
# vocabularies as enums, texts as the services take them (``checked_text``), and the rules between
# fields as ``allOf``/``anyOf``; each checked again by a validator with the services' Chinese words.
# What is left to refuse depends on the data: a code or id that names nothing (404), a move or a
# relation the state does not allow (409), a permission (403).

CategoryCode = Annotated[str, Field(pattern=r"^[-A-Za-z0-9_]*$", max_length=40)]
Username = Annotated[str, Field(pattern=NO_NUL, max_length=150)]
# JSON bodies are read as the schema says: a number is no boolean, a string no number.
OptionalId = JsonId | None
Note = checked_text(max_length=NOTE_MAX, description="说明（不予受理的理由、办理结果、关闭或重新办理的原因）")
VoiceText = checked_text(max_length=TEXT_MAX, min_chars=TEXT_MIN,
                         message=_("请把要反映的事情写清楚（至少 %(n)d 个字）") % {"n": TEXT_MIN})
ChannelChoice = checked_choice(Channel, _("请选择来源渠道"), blank=True)
# The rules between fields below repeat each field's own bounds, so that a branch alone says all
# that its values must be (a generator that takes a branch for the whole still draws valid ones).
_ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
_CODE = {"type": "string", "pattern": r"^[A-Za-z0-9_-]*$", "minLength": 1, "maxLength": 40}
_CHANNEL = {"type": "string", "enum": list(Channel.values)}
PLACE = [
    {"required": ["org"], "properties": {"org": _CODE}},
    {"required": ["household"], "properties": {"household": _ID}},
    {"required": ["person"], "properties": {"person": _ID}},
]


def _no_default(schema: dict, *names: str) -> dict:
    """Mark ``names`` required in ``schema`` (their defaults are only for the validators)."""
    schema_requires(*names)(schema)
    for name in names:
        schema["properties"][name].pop("default", None)
    return schema


class VoicesQuery(Schema):
    org: OrgCode = ""
    library: choice([*Library.values, RESULTS], blank=True) = ""
    status: choice(VoiceStatus, blank=True) = ""
    kind: choice(VoiceKind, blank=True) = ""
    channel: choice(Channel, blank=True) = ""
    category: CategoryCode = ""
    q: Text = ""
    limit: Limit = 50
    offset: Offset = 0


class OnBehalfIn(Schema):
    org: OrgCode = ""
    household: OptionalId = None
    person: OptionalId = None
    speaker_name: Annotated[str, Field(pattern=NO_NUL, max_length=200)] = ""
    channel: ChannelChoice = ""

    @property
    def has_place(self) -> bool:
        return bool(self.org) or self.household is not None or self.person is not None


def _on_behalf_with_place() -> dict:
    """``OnBehalfIn`` spelt out (not by reference) with a place among its fields."""
    schema = OnBehalfIn.model_json_schema()
    return {"type": "object", "properties": schema["properties"], "anyOf": PLACE}


class VoiceIn(Schema):
    """A resident's own voice (no ``on_behalf``, channel empty or ``online``), or one staff record
    on someone's behalf: ``on_behalf`` naming the place (``org``, ``household`` or ``person``) and
    a channel (``on_behalf.channel`` or ``channel``)."""

    model_config = ConfigDict(json_schema_extra=lambda schema: _no_default(schema, "kind", "text").update({"anyOf": [
        {"properties": {"on_behalf": {"type": "null"}, "channel": {"enum": ["", Channel.ONLINE.value]}}},
        {"required": ["on_behalf"],
         "properties": {"on_behalf": _on_behalf_with_place()},
         "anyOf": [{"required": ["channel"], "properties": {"channel": _CHANNEL}},
                   {"properties": {"on_behalf": {"required": ["channel"],
                                                 "properties": {"channel": _CHANNEL}}}}]},
    ]}))

    # ``kind`` and ``text`` are required (``schema_requires``); their defaults only let the
    # validators say so in the services' words.
    kind: checked_choice(VoiceKind, _("请选择反映的类型")) = Field("", validate_default=True)
    text: VoiceText = Field("", validate_default=True)
    urgent: StrictBool = False
    channel: ChannelChoice = ""
    campaign: Slug = ""
    on_behalf: OnBehalfIn | None = Field(None, validate_default=True)

    @field_validator("on_behalf")
    @classmethod
    def _on_behalf(cls, value: OnBehalfIn | None, info: ValidationInfo) -> OnBehalfIn | None:
        channel = info.data.get("channel", "")
        if value is None:
            if channel not in ("", Channel.ONLINE):
                raise refused(_("代为登记请在 on_behalf 中填写反映人所在的网格、楼栋、户或人员"))
            return value
        if not value.has_place:
            raise refused(_("请选择所在网格或楼栋"))
        if not (value.channel or channel):
            raise refused(_("请选择来源渠道"))
        return value


class ClaimIn(Schema):
    unit: OrgCode = ""
    note: Note = ""


# A rating of 不满意 needs a note saying why.
class RateIn(Schema):
    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update({"allOf": [
        solid_when("note", {"required": ["rating"], "properties": {"rating": {"const": Rating.UNSATISFIED.value}}},
                   max_length=NOTE_MAX),
    ]}))

    rating: choice(Rating)
    note: Note = Field("", validate_default=True)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("rating") == Rating.UNSATISFIED and not value.strip():
            raise refused(_("请说说哪里不满意，便于重新办理"))
        return value


# The moves that need a note, and what it is called there.
NOTE_REQUIRED = {
    VoiceStatus.REJECTED: _("请写明不予受理的理由"),
    VoiceStatus.RESOLVED: _("请写明办理结果"),
    VoiceStatus.CLOSED: _("请写明关闭的原因"),
    VoiceStatus.REOPENED: _("请写明重新办理的原因"),
}


class TransitionIn(Schema):
    """``to`` a status; ``note`` required to reject, resolve, close or reopen; to accept, the
    library and category (code) confirmed (the suggestions if empty); to assign, a staff account's
    username (``handler``) and/or a unit's code (``unit``), at least one."""

    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update({"allOf": [
        solid_when("note", {"required": ["to"], "properties": {"to": {"enum": [s.value for s in NOTE_REQUIRED]}}},
                   max_length=NOTE_MAX),
        {"if": {"required": ["to"], "properties": {"to": {"const": VoiceStatus.ASSIGNED.value}}},
         "then": {"anyOf": [{"required": ["handler"], "properties": {"handler": {
                                "type": "string", "pattern": NO_NUL, "minLength": 1, "maxLength": 150}}},
                            {"required": ["unit"], "properties": {"unit": _CODE}}]}},
    ]}))

    to: choice(VoiceStatus)
    note: Note = Field("", validate_default=True)
    library: choice(Library, blank=True) = ""
    category: CategoryCode = ""
    handler: Username = ""
    unit: OrgCode = Field("", validate_default=True)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str, info: ValidationInfo) -> str:
        message = NOTE_REQUIRED.get(info.data.get("to"))
        if message is not None and not value.strip():
            raise refused(message)
        return value

    @field_validator("unit")
    @classmethod
    def _assignee(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("to") == VoiceStatus.ASSIGNED and not value and not info.data.get("handler"):
            raise refused(_("请选择承办人或承办单位"))
        return value


class FiguresQuery(Schema):
    org: OrgCode = ""
    # ``from`` is a Python keyword: the field is ``date_from``, named ``from`` in the query.
    date_from: Day = Field(None, alias="from")
    date_to: Day = Field(None, alias="to")
    campaign: Slug = ""
    children: bool = False


class RateOut(Schema):
    numerator: int
    denominator: int
    percent: float | None


class TallyOut(Schema):
    key: str
    label: str
    count: int


class WishesOut(Schema):
    received: int
    claimed: int
    resolved: int


class VisitsOut(Schema):
    visits: int
    households: int
    households_visited: int
    hardship_households: int
    hardship_visited: int
    household_coverage: RateOut
    hardship_coverage: RateOut
    by_reason: list[TallyOut]


class ProjectsOut(Schema):
    total: int
    with_supervisors: int
    supervisors: int
    done: int


class RectificationsOut(Schema):
    total: int
    fixed: int
    in_progress: int
    not_started: int
    immediate: int
    phased: int


class FiguresOut(Schema):
    org: str
    org_name: str
    date_from: date | None
    date_to: date | None
    campaign: str | None
    received: int
    responded: int
    accepted: int
    rejected: int
    waiting: int
    resolved: int
    rated: int
    urgent: int
    overdue: int
    response_rate: RateOut
    resolution_rate: RateOut
    satisfaction_rate: RateOut
    hours_mean: float | None
    hours_median: float | None
    by_library: list[TallyOut]
    by_category: list[TallyOut]
    by_status: list[TallyOut]
    by_channel: list[TallyOut]
    by_kind: list[TallyOut]
    by_rating: list[TallyOut]
    wishes: WishesOut
    visits: VisitsOut
    projects: ProjectsOut
    rectifications: RectificationsOut
    deeds: list[TallyOut]


class ChildFiguresOut(FiguresOut):
    direct: bool


class FiguresWithChildrenOut(FiguresOut):
    children: list[ChildFiguresOut] | None = None
