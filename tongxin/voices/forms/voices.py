"""Forms of the voices pages: a resident's intake, staff intake on someone's behalf, the action
forms of an item's page (one per move or step), a claim on the wish wall, a category's deadline.

The forms only shape what was typed; the services check it (length, photos, who may act, the
status) and their messages land on the fields they name (``add_service_errors``)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.accounts.selectors import scope_filter, user_role_scopes
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person
from tongxin.people.selectors import ancestor_paths

from ..models import Channel, Library, Rating, Voice, VoiceAction, VoiceCategory, VoiceKind, VoiceStatus
from ..permissions import RECORD_ROLES, street_path_of
from ..selectors.lists import community_path_of, possible_duplicates
from ..services.intake import PHOTOS_MAX, TEXT_MAX
from ..services.workflow import moves_open

A = VoiceAction
PLACE_KINDS = (OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID, OrgKind.BUILDING)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; the count, size and content are the service's to check
    (``intake.check_photos``), so that one message says what is wrong."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in files if item]


def photos_label(what: str = "") -> str:
    return _("%(what)s（可不传，最多 %(n)d 张）") % {"what": what or _("照片"), "n": PHOTOS_MAX}


def _note_field(label, *, help_text="", rows: int = 2) -> forms.CharField:
    # Not ``required`` here: the services say when a note is needed, in words that fit the move.
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows, "maxlength": 1000}))


def _text_field() -> forms.CharField:
    return forms.CharField(label=gettext_lazy("具体内容"), required=False,
                           widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX}),
                           help_text=gettext_lazy("说清楚什么事、在哪里、多久了"))


# --- Intake ---------------------------------------------------------------------------------

class VoiceSubmitForm(forms.Form):
    """A resident or member says something for themselves, from a phone."""

    kind = forms.ChoiceField(label=gettext_lazy("您想反映什么"), choices=VoiceKind.choices,
                             widget=forms.RadioSelect(attrs={"class": "big-choice"}),
                             error_messages={"required": gettext_lazy("请选择反映的类型")})
    text = _text_field()
    urgent = forms.BooleanField(label=gettext_lazy("急难愁盼：很急，需要尽快解决"), required=False)
    photos = PhotosField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].label = photos_label()


class PlaceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


def record_places(user) -> QuerySet[Org]:
    """The places the account may record voices for: communities and grids under its intake
    roles and, for those whose scope is a grid or a building, the buildings too (a street has
    hundreds of buildings; the person or household picked gives the building anyway)."""
    condition = scope_filter(user, RECORD_ROLES, field="path")
    if condition is None:
        return Org.objects.none()
    codes = [code for role, _path, code in user_role_scopes(user) if role in RECORD_ROLES]
    kinds = [OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID]
    if not Org.objects.filter(code__in=codes).exclude(kind__in=[OrgKind.GRID, OrgKind.BUILDING]).exists():
        kinds.append(OrgKind.BUILDING)
    return Org.objects.filter(condition, kind__in=kinds).order_by("path")


class VoiceRecordForm(forms.Form):
    """Staff record what someone said (at a visit, a forum, from a form or a call). The person or
    household is picked from a search in the place (``selectors.lists.record_candidates``); the
    page draws those choices itself, so that a whole community is never put in one list."""

    place = PlaceChoice(queryset=Org.objects.none(), widget=forms.HiddenInput,
                        error_messages={"required": gettext_lazy("请先选择所在网格或楼栋"),
                                        "invalid_choice": gettext_lazy("无权为该地点登记")})
    channel = forms.ChoiceField(label=gettext_lazy("来源渠道"), choices=Channel.choices, widget=forms.RadioSelect,
                                initial=Channel.VISIT)
    person = forms.ModelChoiceField(queryset=Person.objects.none(), required=False,
                                    error_messages={"invalid_choice": gettext_lazy("请从查找结果中选择反映人")})
    household = forms.ModelChoiceField(queryset=Household.objects.none(), required=False,
                                       error_messages={"invalid_choice": gettext_lazy("请从查找结果中选择户")})
    speaker_name = forms.CharField(label=gettext_lazy("反映人称呼"), max_length=50, required=False,
                                   help_text=gettext_lazy("不在册或不愿留名时，填写对方自称，如“王阿姨”"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=VoiceKind.choices,
                             widget=forms.RadioSelect(attrs={"class": "big-choice"}),
                             error_messages={"required": gettext_lazy("请选择反映的类型")})
    text = _text_field()
    urgent = forms.BooleanField(label=gettext_lazy("急难愁盼"), required=False)
    photos = PhotosField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].label = photos_label()
        self.fields["place"].queryset = record_places(user)
        # Anyone in the account's intake scope validates; the page offers only what the search found.
        scope = scope_filter(user, RECORD_ROLES)
        if scope is not None:
            self.fields["person"].queryset = Person.objects.filter(scope, is_active=True)
            self.fields["household"].queryset = Household.objects.filter(scope)

    def clean(self):
        data = super().clean()
        place, person, household = data.get("place"), data.get("person"), data.get("household")
        if place is not None:
            if person is not None and not person.org_path.startswith(place.path):
                self.add_error("person", _("该人员不在%(place)s") % {"place": place.name})
            if household is not None and not household.org_path.startswith(place.path):
                self.add_error("household", _("该户不在%(place)s") % {"place": place.name})
        return data


# --- The action forms of an item's page ------------------------------------------------------

class ActionForm(forms.Form):
    """One move or step on an item. ``title`` heads it on the page, ``button`` sends it; the
    primary ones are shown open, the others folded."""

    title = ""
    button = ""
    primary = False
    danger = False

    def __init__(self, *args, voice: Voice, user, **kwargs):
        self.voice, self.user = voice, user
        super().__init__(*args, **kwargs)


class _Classification(ActionForm):
    library = forms.ChoiceField(label=gettext_lazy("归入"), choices=Library.choices, widget=forms.RadioSelect)
    category = forms.ModelChoiceField(label=gettext_lazy("类别"), queryset=VoiceCategory.objects.all(),
                                      to_field_name="code", empty_label=gettext_lazy("（请选择）"))
    note = _note_field(gettext_lazy("说明（可不填）"))


class AcceptForm(_Classification):
    title, button, primary = gettext_lazy("受理"), gettext_lazy("确认受理"), True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The suggestion from the text, for staff to confirm or change.
        self.initial.setdefault("library", self.voice.library or self.voice.suggested_library)
        self.initial.setdefault("category", self.voice.category.code if self.voice.category_id
                                else self.voice.suggested_category)


class ClassifyForm(_Classification):
    title, button = gettext_lazy("调整分类"), gettext_lazy("保存分类")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("library", self.voice.library)
        self.initial.setdefault("category", self.voice.category.code if self.voice.category_id else "")


class RejectForm(ActionForm):
    title, button, danger = gettext_lazy("不予受理"), gettext_lazy("不予受理"), True
    note = _note_field(gettext_lazy("理由（反映人会看到）"))


class HandlerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class AssignForm(ActionForm):
    title, button, primary = gettext_lazy("交办"), gettext_lazy("交办"), True
    handler = HandlerChoice(label=gettext_lazy("承办人"), queryset=User.objects.none(), required=False,
                            empty_label=gettext_lazy("（不指定个人）"),
                            help_text=gettext_lazy("该网格、社区、街道的工作人员"))
    unit = PlaceChoice(label=gettext_lazy("承办单位"), queryset=Org.objects.none(), required=False,
                       empty_label=gettext_lazy("（不指定单位）"))
    note = _note_field(gettext_lazy("交办要求（可不填）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        above = ancestor_paths(self.voice.org_path)
        self.fields["handler"].queryset = (
            User.objects.filter(is_active=True, role_assignments__role__in=RECORD_ROLES,
                                role_assignments__org__path__in=above)
            .distinct().select_related("person").order_by("username"))
        street = street_path_of(self.voice.org_path)
        self.fields["unit"].queryset = Org.objects.filter(
            Q(path__in=above, kind__in=[OrgKind.COMMUNITY, OrgKind.STREET, OrgKind.GRID])
            | Q(path__startswith=community_path_of(self.voice.org_path), kind=OrgKind.GRID)
            | Q(path__startswith=street, kind=OrgKind.UNIT) | Q(kind=OrgKind.UNIT, is_co_building_unit=True),
        ).order_by("path")


def claim_units(user, voice: Voice, *, staff_units=None, member_units=None) -> list[Org]:
    """The partner units (共建单位) the account may claim a wish for: any, for staff over the
    wish's place; for a party member, the units their branch belongs to. A page of many wishes
    passes the two lists it read once (``wish_wall_units``)."""
    if user.has_perm("voices.record_voice", voice.org):
        return staff_units if staff_units is not None else list(_co_building_units())
    if member_units is not None:
        return member_units
    return list(_member_units(user))


def _co_building_units() -> QuerySet[Org]:
    return Org.objects.filter(is_co_building_unit=True).order_by("name")


def _member_units(user) -> QuerySet[Org]:
    person = user.person if getattr(user, "person_id", None) else None
    member = getattr(person, "party_member", None) if person is not None else None
    if member is None:
        return Org.objects.none()
    return _co_building_units().filter(path__in=ancestor_paths(member.branch.path))


def wish_wall_units(user) -> dict[str, list[Org]]:
    """The units for every card of the wish wall, read once: all partner units (for the wishes the
    account is staff over) and the member's own (for the others)."""
    return {"staff_units": list(_co_building_units()), "member_units": list(_member_units(user))}


class ClaimForm(ActionForm):
    title, button, primary = gettext_lazy("接单"), gettext_lazy("我来接单"), True
    unit = PlaceChoice(label=gettext_lazy("以共建单位名义"), queryset=Org.objects.none(), required=False,
                       empty_label=gettext_lazy("（以个人名义）"))
    note = _note_field(gettext_lazy("打算怎么办（可不填）"))

    def __init__(self, *args, units: dict[str, list[Org]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = claim_units(self.user, self.voice, **(units or {}))
        if allowed:
            field = self.fields["unit"]
            field.queryset = Org.objects.filter(pk__in=[unit.pk for unit in allowed])  # checked on a POST
            field.choices = [("", field.empty_label)] + [(unit.pk, field.label_from_instance(unit)) for unit in allowed]
        else:
            del self.fields["unit"]


class StartForm(ActionForm):
    title, button, primary = gettext_lazy("开始办理"), gettext_lazy("开始办理"), True
    note = _note_field(gettext_lazy("说明（可不填）"))


class ResolveForm(ActionForm):
    title, button, primary = gettext_lazy("办结"), gettext_lazy("办结"), True
    note = _note_field(gettext_lazy("办理结果"), rows=4, help_text=gettext_lazy("做了什么、结果如何；反映人会看到"))
    photos = PhotosField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].label = photos_label(_("佐证照片"))


class RateForm(ActionForm):
    """The speaker's rating: three buttons (the rating is the button pressed)."""

    title, button, primary = gettext_lazy("评价办理结果"), "", True
    rating = forms.ChoiceField(label=gettext_lazy("满意度"), choices=Rating.choices, widget=forms.RadioSelect,
                               error_messages={"required": gettext_lazy("请选择满意、基本满意或不满意")})
    note = _note_field(gettext_lazy("说说您的看法"), help_text=gettext_lazy("选“不满意”时请写明原因，社区会重新办理"))


class FollowUpForm(ActionForm):
    title, button = gettext_lazy("电话回访"), gettext_lazy("记录回访结果")
    rating = forms.ChoiceField(label=gettext_lazy("反映人的评价"), choices=Rating.choices, widget=forms.RadioSelect,
                               error_messages={"required": gettext_lazy("请选择满意、基本满意或不满意")})
    note = _note_field(gettext_lazy("回访情况"), help_text=gettext_lazy("“不满意”时必填原因"))


class CloseForm(ActionForm):
    title, button = gettext_lazy("关闭（未收到评价）"), gettext_lazy("关闭")
    note = _note_field(gettext_lazy("关闭原因"), help_text=gettext_lazy("如：多次回访联系不上"))


class ReopenForm(ActionForm):
    title, button, danger = gettext_lazy("重新办理"), gettext_lazy("重新办理"), True
    note = _note_field(gettext_lazy("重新办理的原因"))


class EscalateForm(ActionForm):
    title, button, primary = gettext_lazy("逾期上报"), gettext_lazy("上报督办"), True
    note = _note_field(gettext_lazy("说明（可不填）"))


class PublishForm(ActionForm):
    title, button = gettext_lazy("公开到社区公示栏"), gettext_lazy("公开")
    summary = forms.CharField(label=gettext_lazy("公开摘要"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
                              help_text=gettext_lazy("不写姓名、门牌号、电话、身份证号，如“3号楼单元门禁损坏”"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("summary", self.voice.public_summary)


class UnpublishForm(ActionForm):
    title, button = gettext_lazy("取消公开"), gettext_lazy("取消公开")
    note = _note_field(gettext_lazy("说明（可不填）"))


class MergeForm(ActionForm):
    title, button = gettext_lazy("合并重复事项"), gettext_lazy("合并")
    into = forms.TypedChoiceField(label=gettext_lazy("与以下事项为同一件事"), coerce=int, widget=forms.RadioSelect,
                                  error_messages={"required": gettext_lazy("请选择要合并到的事项")})
    note = _note_field(gettext_lazy("说明（可不填）"))

    def __init__(self, *args, candidates: list[tuple[Voice, float]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = possible_duplicates(self.voice) if candidates is None else candidates
        self.fields["into"].choices = [
            (other.pk, _("#%(id)s %(text)s（%(status)s，相似度 %(score)d%%）") % {
                "id": other.pk, "text": other.text[:60], "status": other.get_status_display(),
                "score": round(score * 100)})
            for other, score in self.candidates]


class NoteForm(ActionForm):
    title, button = gettext_lazy("添加备注"), gettext_lazy("添加备注")
    note = _note_field(gettext_lazy("备注"), help_text=gettext_lazy("如：已联系物业，配件三天内到"))


RATE = "rate"
# Every form of an item's page, by the action name posted with it, in the order they show.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    RATE: RateForm,
    A.ACCEPT: AcceptForm,
    A.CLAIM: ClaimForm,
    A.ASSIGN: AssignForm,
    A.START: StartForm,
    A.RESOLVE: ResolveForm,
    A.ESCALATE: EscalateForm,
    A.FOLLOW_UP: FollowUpForm,
    A.NOTE: NoteForm,
    A.CLASSIFY: ClassifyForm,
    A.PUBLISH: PublishForm,
    A.UNPUBLISH: UnpublishForm,
    A.MERGE: MergeForm,
    A.CLOSE: CloseForm,
    A.REOPEN: ReopenForm,
    A.REJECT: RejectForm,
}


def actions_for(user, voice: Voice) -> list[str]:
    """The actions this account may take on the item now: the moves the workflow table allows
    from its status (``moves_open``) that the permissions give the account, and the steps that
    fit its state. A merged item is done with: it is counted in the other one."""
    if voice.duplicate_of_id is not None:
        return []
    moves = set(moves_open(voice))
    handles = user.has_perm("voices.handle_voice", voice)
    works = user.has_perm("voices.work_voice", voice)
    status = voice.status
    allowed = set()
    if handles:
        allowed |= moves & {A.ACCEPT, A.REJECT, A.ASSIGN, A.CLOSE, A.REOPEN, A.MERGE}
        if status == VoiceStatus.RESOLVED:
            allowed.add(A.FOLLOW_UP)
        if voice.is_overdue:
            allowed.add(A.ESCALATE)
        if status not in (VoiceStatus.SUBMITTED, VoiceStatus.REJECTED):
            allowed.add(A.PUBLISH)
            if status != VoiceStatus.CLOSED:
                allowed.add(A.CLASSIFY)
        if voice.published_at is not None:
            allowed.add(A.UNPUBLISH)
    if A.CLAIM in moves and voice.handler_id != user.pk and user.has_perm("voices.claim_wish", voice):
        allowed.add(A.CLAIM)
    if works:
        allowed |= moves & {A.START, A.RESOLVE}
        if voice.is_open:
            allowed.add(A.NOTE)
    if status == VoiceStatus.RESOLVED and voice.person_id and getattr(user, "person_id", None) == voice.person_id:
        allowed.add(RATE)
    return [action for action in ACTION_FORMS if action in allowed]


# --- Category deadlines ----------------------------------------------------------------------

class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40, required=False)
    deadline_days = forms.IntegerField(label=gettext_lazy("办理时限（天）"), required=False,
                                       widget=forms.NumberInput(attrs={"min": 1, "max": 365, "inputmode": "numeric"}))
