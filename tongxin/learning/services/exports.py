"""Excel exports of lists of people from the study pages: a session's attendance list (签到名单)
and a campaign's gap list (未覆盖名单).

Like the other exports (``deliveries_export_workbook``, ``distributions_export_workbook``) they
are audited writes, so they live with the services; the caller has already decided who may
export what, and hands in what the page shows. Cells go through ``write_workbook``: formula-safe,
any phone or ID number in a text masked; no column holds an ID or phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from typing import BinaryIO

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.campaigns.models import Campaign
from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org
from tongxin.people.models import Person

from ..models import Session
from ..selectors.coverage import WAY_PARTNER, GapItem, coverage_gap_items, coverage_gaps
from ..selectors.sessions import attendance_list
from .materials import write_workbook

# Persons read, and given their way and who answers, at a time: the page's three queries per
# chunk instead of per row, and a district's 100,000 gaps never all in memory.
GAP_EXPORT_CHUNK = 1000

# Characters that Windows, macOS or a browser will not keep in a file name.
_NOT_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def filename_part(text: str, limit: int = 40) -> str:
    """``text`` (a topic, a name) made fit for a file name: no path separators, no characters a
    file system refuses, no surrounding dots or blanks, at most ``limit`` characters."""
    cleaned = _NOT_IN_FILENAME.sub("_", text or "").strip(" ._")
    return cleaned[:limit].strip(" ._") or "-"


def attendance_export_workbook(*, by, session: Session, out: BinaryIO) -> int:
    """Write who came to ``session`` (the attendance page's list, in check-in order) to ``out`` as
    .xlsx. The caller checks that ``by`` manages the session. Audited. Returns the number of rows."""
    member, resident = _("党员"), _("群众")
    rows = (
        [index, a.person.name, a.person.org.name,
         member if getattr(a.person, "party_member", None) is not None else resident,
         a.get_method_display(), a.checked_in_at, a.recorded_by.display_name if a.recorded_by_id else ""]
        for index, a in enumerate(attendance_list(session=session).iterator(chunk_size=2000), start=1)
    )
    count = write_workbook(out, title=_("签到名单"), headers=[
        _("序号"), _("姓名"), _("所在网格/楼栋"), _("身份"), _("签到方式"), _("签到时间"), _("登记人"),
    ], widths=(6, 10, 18, 8, 16, 18, 12), rows=rows)
    audit_record(by=by, action=AuditAction.ATTENDANCE_EXPORTED, obj=session, changes={
        "list": "attendance", "session": session.pk, "org": session.org.code, "count": count,
    })
    return count


def gaps_export_workbook(*, by, campaign: Campaign, org: Org, out: BinaryIO, visible: Q | None = None,
                         now: datetime | None = None) -> int:
    """Write the gap list of ``campaign`` within ``org`` to ``out`` as .xlsx: the persons the gap
    page lists, in its order (place, then name), each with the way suggested and who answers, as
    the page shows them. ``visible`` narrows to what the reader may see, as on the page
    (``people.selectors.person_visible_q``).

    A district's list holds 100,000 persons and more: they are read from one cursor and given
    their way and who answers ``GAP_EXPORT_CHUNK`` at a time (``coverage_gap_items``, the page's
    queries), and the sheet is written in write-only mode. Audited. Returns the number of rows."""
    now = now or timezone.now()  # one "now" for every chunk, so that each suggests the same sessions
    persons = (coverage_gaps(campaign, [org], visible=visible)
               .select_related("org", "party_member__branch")
               .iterator(chunk_size=GAP_EXPORT_CHUNK))
    rows = (_gap_row(item) for item in _gap_items_in_chunks(campaign, persons, now))
    count = write_workbook(out, title=_("未覆盖名单"), headers=[
        _("姓名"), _("类别"), _("所在网格/楼栋"), _("建议方式"), _("责任人"),
    ], widths=(10, 20, 18, 40, 30), rows=rows)
    audit_record(by=by, action=AuditAction.COVERAGE_GAPS_EXPORTED, obj=org, changes={
        "list": "coverage_gaps", "campaign": campaign.slug, "org": org.code, "count": count,
    })
    return count


def _gap_items_in_chunks(campaign: Campaign, persons: Iterator[Person], now: datetime) -> Iterator[GapItem]:
    while chunk := list(islice(persons, GAP_EXPORT_CHUNK)):
        yield from coverage_gap_items(campaign, chunk, now=now)


def _gap_row(item: GapItem) -> list:
    """The gap page's cells of one person (``coverage_gaps.html``, ``gap_way.html``,
    ``gap_responsible.html``) as plain text."""
    person = item.person
    if item.is_member:
        marks = []
        if person.party_member.needs_home_delivery:
            marks.append(_("行动不便"))
        if person.party_member.is_mobile:
            marks.append(_("流动"))
        kind = _("党员") if not marks else _("%(kind)s（%(marks)s）") % {"kind": _("党员"), "marks": "、".join(marks)}
    else:
        kind = _("群众")
    way = item.way.label
    if item.way.partner and item.way.code != WAY_PARTNER:
        way = _("%(way)s（结对党员：%(name)s）") % {"way": way, "name": item.way.partner}
    responsible = "、".join(f"{r.kind_label} {r.name}" for r in item.responsible) or _("尚未落实包联责任人")
    return [person.name, kind, person.org.name, way, responsible]
