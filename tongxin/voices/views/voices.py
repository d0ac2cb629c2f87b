"""Pages of voices: a resident's intake and their own items, staff intake on someone's behalf,
the libraries, a worker's queue, the wish wall, the overdue list, a community's public board, and
the deadlines of the categories. An item's own page is ``voice_detail``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongxin.accounts.selectors import scope_filter, scope_paths, user_role_scopes
from tongxin.core.forms import add_service_errors
from tongxin.core.identity import mask_personal_numbers
from tongxin.learning.views.filters import org_param, paged
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..forms.voices import (
    ACTION_FORMS, RATE, CategoryForm, ClaimForm, VoiceRecordForm, VoiceSubmitForm, record_places,
    wish_wall_units,
)
from ..models import Channel, Voice, VoiceAction, VoiceCategory, VoiceKind, VoiceStatus
from ..permissions import RECORD_ROLES, VIEW_ROLES
from ..selectors.lists import (
    RESULTS, board_counts, board_items, library_counts, record_candidates, voice_list, voice_queue, voices_of_person,
    voices_overdue, wishes_open,
)
from ..services.categories import may_edit_categories, voice_category_save
from ..services.intake import voice_submit
from ..services.workflow import VoiceConflict, voice_claim
from ..text import suggest

A = VoiceAction
PAGE_SIZE = 30
AREA_KINDS = [OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID]


# --- Shared helpers -----------------------------------------------------------------------------

def _is_member(user) -> bool:
    person = user.person if user.person_id else None
    return person is not None and getattr(person, "party_member", None) is not None


def _own_person(request) -> Person:
    if not request.user.person_id:
        raise PermissionDenied(_("账号未关联人员，请到社区登记后再使用"))
    return request.user.person




def _require_viewer(user) -> None:
    """Staff and superiors over some place: the pages that list other people's voices."""
    if not scope_paths(user, VIEW_ROLES):
        raise PermissionDenied




def _areas(user) -> list[Org]:
    """Places for the "范围" filter: the streets, communities and grids in the account's scope."""
    condition = scope_filter(user, VIEW_ROLES, field="path")
    if condition is None:
        return []
    return list(Org.objects.filter(condition, kind__in=AREA_KINDS).order_by("path")[:300])


def _choice(request, name: str, values) -> str:
    value = request.GET.get(name, "").strip()
    return value if value in values else ""


def _next_url(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return ""


def _visible_voice(user, pk: int) -> Voice:
    """The item if the account may see it; 404 otherwise (whether it exists is not theirs to learn)."""
    voice = (Voice.objects.select_related("org", "category", "person", "household", "handler__person", "handler_unit",
                                          "escalated_to", "duplicate_of", "recorded_by")
             .filter(pk=pk).first())
    if voice is None or not user.has_perm("voices.view_voice", voice):
        raise Http404
    return voice


def _suggestion(voice: Voice) -> dict:
    """The library and category suggested at intake, with the words of the text that led to them
    (worked out again: they are not stored; shown only while they still lead to the same)."""
    category = VoiceCategory.objects.filter(code=voice.suggested_category).first() if voice.suggested_category else None
    found = suggest(voice.text, voice.kind)
    return {"library": voice.get_suggested_library_display(), "category": category,
            "keywords": list(found.keywords)[:6] if found.category == voice.suggested_category else []}


# --- Intake -------------------------------------------------------------------------------------

@login_required
def voice_submit_view(request):
    """A resident or member says something, from a phone: what kind, the text, photos."""
    _own_person(request)
    form = VoiceSubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            voice = voice_submit(by=request.user, kind=data["kind"], text=data["text"], urgent=data["urgent"],
                                 photos=data["photos"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError as error:
            form.add_error(None, str(error))
        else:
            return redirect("voices:voice_sent", pk=voice.pk)
    photos_lost = form.is_bound and bool(request.FILES)
    return render(request, "voices/voice_form.html", {"form": form, "photos_lost": photos_lost})


@login_required
def voice_sent_view(request, pk: int):
    """After sending: the number, what happens next, and the category suggested from the text."""
    voice = _visible_voice(request.user, pk)
    suggestion = _suggestion(voice)
    return render(request, "voices/voice_sent.html", {"voice": voice, "suggestion": suggestion})


@login_required
def my_voices_view(request):
    person = _own_person(request)
    page, query = paged(request, voices_of_person(person), size=20)
    rate_forms = {voice.pk: ACTION_FORMS[RATE](voice=voice, user=request.user, prefix=RATE)
                  for voice in page if voice.status == VoiceStatus.RESOLVED and voice.duplicate_of_id is None}
    items = [(voice, rate_forms.get(voice.pk)) for voice in page]
    return render(request, "voices/voice_mine.html", {"page": page, "query": query, "items": items})


@login_required
def voice_record_view(request):
    """Staff record what someone said on their behalf. The place is chosen first (``?place=``);
    a search in it (``?q=``) offers the people and households to pick from."""
    user = request.user
    places = record_places(user)
    if not places.exists():
        raise PermissionDenied
    code = request.GET.get("place", "").strip()
    place = places.filter(code=code).first() if code else None
    if place is None and not code and not request.GET.get("choose"):
        # Someone over one place (a grid worker, a community worker) records there: no need to pick.
        own = [c for role, _path, c in user_role_scopes(user) if role in RECORD_ROLES]
        place = places.filter(code=own[0]).first() if len(own) == 1 else None
    if place is None:
        return render(request, "voices/voice_record.html", {"places": places[:500], "place": None,
                                                             "unknown_place": bool(code)})
    q = request.GET.get("q", "").strip()
    candidates = record_candidates(place=place, q=q)
    form = VoiceRecordForm(request.POST or None, request.FILES or None, user=user,
                           initial={"place": place.pk, "channel": Channel.VISIT})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person, household = data["person"], data["household"]
        try:
            voice = voice_submit(
                by=user, kind=data["kind"], text=data["text"], channel=data["channel"], person=person,
                speaker_name=data["speaker_name"], household=household, urgent=data["urgent"],
                photos=data["photos"], on_behalf=True,
                # A person or household picked gives the exact building; else the place chosen.
                org=None if person or household else data["place"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已登记 #%(id)s（%(kind)s）") % {"id": voice.pk,
                                                                      "kind": voice.get_kind_display()})
            return redirect("voices:voice_detail", pk=voice.pk)
    return render(request, "voices/voice_record.html", {
        "form": form, "place": place, "places": places[:500], "q": q, "candidates": candidates,
        "picked_person": str(form["person"].value() or ""), "picked_household": str(form["household"].value() or ""),
        "photos_lost": form.is_bound and bool(request.FILES),
    })


# --- Lists --------------------------------------------------------------------------------------

TABS = [
    ("all", gettext_lazy("全部")), ("submitted", gettext_lazy("待受理")), ("difficulty", gettext_lazy("难点库")),
    ("problem", gettext_lazy("问题库")), ("suggestion", gettext_lazy("建议库")), ("results", gettext_lazy("成果库")),
]


@login_required
def voice_list_view(request):
    """The four libraries (难点库/问题库/建议库/成果库) and 待受理, with filters, search and sort."""
    user = request.user
    _require_viewer(user)
    org = org_param(request, "voices.view_figures")
    tab = _choice(request, "tab", [t for t, _label in TABS]) or "all"
    filters = {
        "q": request.GET.get("q", "").strip(),
        "category": _choice(request, "category", VoiceCategory.objects.values_list("code", flat=True)),
        "status": _choice(request, "status", VoiceStatus.values),
        "kind": _choice(request, "kind", VoiceKind.values),
        "channel": _choice(request, "channel", Channel.values),
        "urgent": True if request.GET.get("urgent") == "1" else None,
        "overdue": True if request.GET.get("overdue") == "1" else None,
        "sort": _choice(request, "sort", ["-submitted", "submitted", "due", "status"]) or "-submitted",
        "duplicates": request.GET.get("duplicates") == "1",
    }
    scoped = dict(filters)
    if tab == "submitted":
        scoped["status"] = VoiceStatus.SUBMITTED
    elif tab == "results":
        scoped["library"] = RESULTS
    elif tab != "all":
        scoped["library"] = tab
    page, query = paged(request, voice_list(user=user, org=org, **scoped))
    base = request.GET.copy()
    for name in ("tab", "page"):
        base.pop(name, None)
    return render(request, "voices/voice_list.html", {
        "page": page, "query": query, "tab": tab, "filters": filters, "org": org, "orgs": _areas(user),
        "tabs": TABS, "counts": library_counts(user=user, org=org),
        "tab_query": base.urlencode(), "categories": VoiceCategory.objects.all(),
        "statuses": VoiceStatus.choices, "kinds": VoiceKind.choices, "channels": Channel.choices,
        "can_record": bool(scope_paths(user, RECORD_ROLES)),
    })


@login_required
def voice_queue_view(request):
    """A worker's queue on a phone: what they handle and, for community staff, what awaits
    acceptance. Members who claimed wishes have one too."""
    user = request.user
    if not (scope_paths(user, RECORD_ROLES) or _is_member(user) or Voice.objects.filter(handler=user).exists()):
        raise PermissionDenied
    page, query = paged(request, voice_queue(user))
    return render(request, "voices/voice_queue.html", {"page": page, "query": query})


@login_required
def voices_overdue_view(request):
    user = request.user
    _require_viewer(user)
    org = org_param(request, "voices.view_figures")
    filters = {"q": request.GET.get("q", "").strip(), "escalated": request.GET.get("escalated") == "1",
               "sort": _choice(request, "sort", ["due", "-submitted", "submitted", "status"]) or "due"}
    page, query = paged(request, voices_overdue(user, org=org, **filters))
    rows = [(voice, user.has_perm("voices.handle_voice", voice)) for voice in page]
    return render(request, "voices/voice_overdue.html", {
        "page": page, "rows": rows, "query": query, "filters": filters, "org": org, "orgs": _areas(user),
        "here": request.get_full_path(),
    })


# --- The wish wall ----------------------------------------------------------------------------

@login_required
def wish_wall_view(request):
    """Wishes to claim (接单) as cards, then those taken on, with who took them."""
    user = request.user
    if not (scope_paths(user, RECORD_ROLES) or _is_member(user)):
        raise PermissionDenied
    page, query = paged(request, wishes_open(user), size=24)
    units = wish_wall_units(user)
    cards = []
    for voice in page:
        sees = user.has_perm("voices.view_voice", voice)
        form = (ClaimForm(voice=voice, user=user, prefix="claim", units=units) if voice.claimable
                and user.has_perm("voices.claim_wish", voice) else None)
        cards.append({"voice": voice, "sees": sees, "form": form,
                      "text": voice.text if sees else (voice.public_summary or mask_personal_numbers(voice.text))})
    return render(request, "voices/wish_wall.html", {"page": page, "query": query, "cards": cards})


@login_required
@require_POST
def wish_claim_view(request, pk: int):
    user = request.user
    voice = get_object_or_404(Voice, pk=pk, kind=VoiceKind.WISH)
    form = ClaimForm(request.POST, voice=voice, user=user, prefix="claim")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("voices:wish_wall")
    try:
        voice_claim(by=user, voice=voice, unit=form.cleaned_data.get("unit"), note=form.cleaned_data["note"])
    except VoiceConflict as error:
        messages.error(request, " ".join(error.messages))
        return redirect("voices:wish_wall")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("voices:wish_wall")
    except PermissionError:
        raise PermissionDenied from None
    messages.success(request, _("接单成功：心愿 #%(id)s 由您办理，办好后请在此页填写办理结果") % {"id": voice.pk})
    return redirect("voices:voice_detail", pk=voice.pk)


# --- The public board ---------------------------------------------------------------------------

def voice_board_view(request, community_code: str):
    """A community's public board (公示栏): the published summaries and how each stands. No login:
    it may hang on a screen in the community hall; nothing personal reaches it (``board_items``)."""
    community = get_object_or_404(Org, code=community_code, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE])
    page, query = paged(request, board_items(community))
    return render(request, "voices/board.html", {"community": community, "page": page, "query": query,
                                                 "counts": board_counts(community)})


# --- Category deadlines -------------------------------------------------------------------------

@login_required
def voice_categories_view(request):
    """The categories and their deadlines: staff read them, street admins change them."""
    user = request.user
    editable = may_edit_categories(user)
    if not editable:
        _require_viewer(user)
    categories = list(VoiceCategory.objects.all())
    posted_pk, posted_form = None, None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        category = get_object_or_404(VoiceCategory, pk=request.POST.get("category") or 0)
        form = CategoryForm(request.POST, prefix=f"c{category.pk}")
        if form.is_valid():
            try:
                voice_category_save(by=user, category=category, deadline_days=form.cleaned_data["deadline_days"],
                                    name=form.cleaned_data["name"] or None)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionError:
                raise PermissionDenied from None
            else:
                messages.success(request, _("已保存：%(name)s，办理时限 %(days)d 天") % {
                    "name": category.name, "days": category.deadline_days})
                return redirect("voices:voice_categories")
        posted_pk, posted_form = category.pk, form
    rows = []
    for category in categories:
        if category.pk == posted_pk:
            form = posted_form
        elif editable:
            form = CategoryForm(prefix=f"c{category.pk}",
                                initial={"name": category.name, "deadline_days": category.deadline_days})
        else:
            form = None
        rows.append((category, form))
    return render(request, "voices/category_list.html", {"rows": rows, "editable": editable})
