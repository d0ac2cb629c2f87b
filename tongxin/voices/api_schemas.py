"""The schemas of the voices API (``api``): what goes in and what comes out, with the English
values of the models' choices and their Chinese names beside them."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from .models import Voice, VoiceEvent


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


class VoicesQuery(Schema):
    org: str = ""
    library: str = ""
    status: str = ""
    kind: str = ""
    channel: str = ""
    category: str = ""
    q: str = ""
    limit: int = 50
    offset: int = 0


class OnBehalfIn(Schema):
    org: str = ""
    household: int | None = None
    person: int | None = None
    speaker_name: str = ""
    channel: str = ""


class VoiceIn(Schema):
    # Every field has a default so that what is missing gets the service's Chinese message.
    kind: str = ""
    text: str = ""
    urgent: bool = False
    channel: str = ""
    campaign: str = ""
    on_behalf: OnBehalfIn | None = None


class ClaimIn(Schema):
    unit: str = ""
    note: str = ""


class RateIn(Schema):
    rating: str = ""
    note: str = ""


class TransitionIn(Schema):
    to: str = ""
    note: str = ""
    library: str = ""  # accepted: the library and category (code) confirmed; the suggestions if empty
    category: str = ""
    handler: str = ""  # assigned: a staff account's username, and/or a unit's code
    unit: str = ""


class RefusalOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class FiguresQuery(Schema):
    org: str = ""
    # ``from`` is a Python keyword: the field is ``date_from``, named ``from`` in the query.
    date_from: str = Field("", alias="from")
    date_to: str = Field("", alias="to")
    campaign: str = ""
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
