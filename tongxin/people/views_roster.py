"""Pages for the roster: import (花名册导入), its template, and the Excel export of people."""

import io
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.orgs.models import Org

from .roster import people_export_workbook, roster_import, roster_template_workbook
from .roster.sheet import EXCEL_SUFFIXES
from .selectors import SORTS, person_list

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # about 500,000 rows; a roster of 100,000 is some 5 MB


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("花名册文件（.xlsx）"))
    dry_run = forms.BooleanField(label=gettext_lazy("只检查，不导入"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXCEL_SUFFIXES):
            raise forms.ValidationError(
                _("只能导入 .xlsx 格式的 Excel 文件；.xls 或 .csv 文件请先在 Excel/WPS 中另存为 .xlsx"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 30 MB，请分成几个文件导入"))
        return upload


def _org_allowed(request, permission: str, *, required: bool = True) -> Org | None:
    """The org named by ?org=CODE, if the account holds ``permission`` on it."""
    code = request.GET.get("org", "").strip()
    if not code:
        if required:
            raise Http404(_("请从人员列表选择社区后再操作"))
        return None
    org = get_object_or_404(Org, code=code)
    if not request.user.has_perm(permission, org):
        raise PermissionDenied
    return org


@login_required
def roster_import_view(request):
    org = _org_allowed(request, "people.import_people")
    result = None
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = roster_import(by=request.user, org=org, file=form.cleaned_data["file"],
                                   dry_run=form.cleaned_data["dry_run"])
            if result.saved:
                messages.success(request, _(
                    "%(file)s 导入完成：新增 %(created)d 人（其中党员 %(members)d 人），新建 %(households)d 户；"
                    "已存在，跳过 %(skipped)d 人") % {
                    "file": result.file_name, "created": result.created, "members": result.party_members_created,
                    "households": result.households_created, "skipped": result.skipped})
                return redirect(f"{reverse('people:list')}?{urlencode({'org': org.code})}")
    else:
        form = RosterUploadForm()
    return render(request, "people/import.html", {"org": org, "form": form, "result": result})


@login_required
def roster_template_view(request):
    org = _org_allowed(request, "people.import_people", required=False)
    buffer = io.BytesIO()
    roster_template_workbook(org).save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=_("花名册模板.xlsx"), content_type=XLSX)


def _list_filters(request) -> dict:
    """The filters of the people list (``views.person_list_view``), read the same way."""
    sort = request.GET.get("sort", "place")
    return {
        "q": request.GET.get("q", "").strip(),
        "group": request.GET.get("group", ""),
        "member": request.GET.get("member", ""),
        "sort": sort if sort in SORTS else "place",
    }


@login_required
def people_export_view(request):
    org = _org_allowed(request, "people.export_people")
    filters = _list_filters(request)
    people = person_list(user=request.user, org=org, **filters)
    # A temporary file, not memory: a street's list can be large. FileResponse streams it
    # in chunks and closes (and so deletes) it at the end.
    out = tempfile.TemporaryFile()
    people_export_workbook(by=request.user, org=org, people=people, out=out, filters=filters)
    out.seek(0)
    filename = _("人员名单-%(org)s-%(date)s.xlsx") % {"org": org.name, "date": timezone.localdate().strftime("%Y%m%d")}
    response = FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "no-store"  # personal data, even if masked
    return response
