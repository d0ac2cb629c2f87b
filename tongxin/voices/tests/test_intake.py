"""Intake: a resident speaks for themselves, staff record for someone else; bad input gets a clear
message and loses nothing; photos are checked by decoding them; the same form sent twice is one
voice. Through the services and through the pages."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.testing import text
from tongxin.voices.models import Voice, VoiceAction, VoiceEvent, VoiceKind, VoicePhoto, VoiceStatus
from tongxin.voices.services.intake import voice_submit

from .test_workflow import PROBLEM, WISH


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Photos go to a temporary folder, not the project's ``var/media``."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(name: str = "楼道.png", colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def not_an_image(name: str = "照片.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 this is not really a jpeg", content_type="image/jpeg")


# --- Through the services ------------------------------------------------------------------------

def test_a_resident_speaks_for_themselves(street, media):
    voice = voice_submit(by=street.accounts["resident"], kind=VoiceKind.COMPLAINT, text=f"  {PROBLEM}  ",
                         urgent=True, photos=[png(), png("门口.png", (10, 10, 200))])
    assert (voice.person, voice.org, voice.household) == (street.resident_a, street.building_a1, street.household_a)
    assert voice.channel == "online" and voice.speaker_name == "张三" and voice.text == PROBLEM and voice.urgent
    assert voice.status == VoiceStatus.SUBMITTED and voice.suggested_library and voice.suggested_category
    assert voice.recorded_by == street.accounts["resident"]
    event = VoiceEvent.objects.get(voice=voice)
    assert (event.action, event.to_status, event.note) == (VoiceAction.SUBMIT, VoiceStatus.SUBMITTED, "线上，本人提交")
    entry = AuditEntry.objects.get(action=AuditAction.VOICE_SUBMITTED, object_id=str(voice.pk))
    assert entry.changes["kind"] == "complaint" and entry.changes["urgent"] is True
    photos = list(voice.photos.all())
    assert len(photos) == 2 and not any(p.is_evidence for p in photos)
    assert all((media / p.image.name).is_file() for p in photos)
    assert "楼道" not in photos[0].image.name  # the stored name is ours, not the uploaded one
    assert AuditEntry.objects.get(action=AuditAction.VOICE_PHOTO_ADDED).changes == {"photos": 2, "evidence": False}


@pytest.mark.parametrize("typed, message", [
    ("", "请把要反映的事情写清楚（至少 4 个字）"),
    ("   修灯 ", "请把要反映的事情写清楚（至少 4 个字）"),
    ("灯" * 2001, "内容不能超过 2000 字，可分几条提交"),
])
def test_bad_text_is_refused_with_a_clear_message(street, typed, message):
    with pytest.raises(ValidationError) as error:
        voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text=typed)
    assert error.value.message_dict == {"text": [message]}
    assert not Voice.objects.exists()


def test_a_bad_kind_is_refused(street):
    with pytest.raises(ValidationError) as error:
        voice_submit(by=street.accounts["resident"], kind="praise", text=WISH)
    assert error.value.message_dict == {"kind": ["请选择反映的类型"]}


def test_photos_that_are_not_images_are_refused_and_nothing_is_kept(street, media):
    with pytest.raises(ValidationError) as error:
        voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text=WISH, photos=[png(), not_an_image()])
    assert error.value.message_dict == {"photos": ["“照片.jpg”不是能打开的图片"]}
    assert not Voice.objects.exists() and not VoicePhoto.objects.exists()
    assert list(media.rglob("*.*")) == []


def test_at_most_six_photos(street):
    with pytest.raises(ValidationError) as error:
        voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text=WISH,
                     photos=[png(f"{i}.png") for i in range(7)])
    assert error.value.message_dict == {"photos": ["最多上传 6 张照片"]}
    assert not Voice.objects.exists()


def test_the_same_text_sent_twice_is_one_voice(street):
    first = voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text=WISH)
    second = voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text=f"{WISH} ")
    assert first.pk == second.pk
    assert Voice.objects.count() == 1 and VoiceEvent.objects.filter(action=VoiceAction.SUBMIT).count() == 1


def test_an_account_without_a_person_cannot_speak_for_itself(street):
    with pytest.raises(PermissionError, match="账号未关联人员"):
        voice_submit(by=street.accounts["community_worker"], kind=VoiceKind.WISH, text=WISH)


def test_staff_record_for_a_person_at_a_visit(street):
    worker = street.accounts["grid_worker"]
    voice = voice_submit(by=worker, kind=VoiceKind.DIFFICULTY, text="老伴住院，医药费报销手续不清楚", channel="visit",
                         person=street.resident_a, on_behalf=True)
    assert (voice.person, voice.org, voice.household, voice.recorded_by) == (
        street.resident_a, street.building_a1, street.household_a, worker)
    assert VoiceEvent.objects.get(voice=voice).note == "入户走访，grid_worker代为登记"


def test_staff_record_a_name_as_given_in_a_place(street):
    voice = voice_submit(by=street.accounts["building_head"], kind=VoiceKind.SUGGESTION, channel="forum",
                         text="建议在楼下加装两把休息椅", speaker_name="王阿姨", org=street.building_a1, on_behalf=True)
    assert voice.person is None and voice.speaker_name == "王阿姨" and voice.org == street.building_a1


def test_staff_cannot_record_outside_their_scope(street):
    with pytest.raises(PermissionError, match="无权为该网格登记群众心声"):
        voice_submit(by=street.accounts["grid_worker"], kind=VoiceKind.WISH, text=WISH, person=street.resident_b,
                     on_behalf=True)
    with pytest.raises(PermissionError):
        voice_submit(by=street.accounts["building_head"], kind=VoiceKind.WISH, text=WISH,
                     household=street.household_b, on_behalf=True)
    with pytest.raises(ValidationError) as error:
        voice_submit(by=street.accounts["community_worker"], kind=VoiceKind.WISH, text=WISH, org=street.grid_a1,
                     household=street.household_b, on_behalf=True)
    assert error.value.message_dict == {"household": ["该户不在所选网格或楼栋内"]}
    assert not Voice.objects.exists()


# --- Through the pages ---------------------------------------------------------------------------

def test_the_intake_page_keeps_what_was_typed_when_the_text_is_too_short(client, street):
    client.force_login(street.accounts["resident"])
    response = client.post("/voices/new/", {"kind": "wish", "text": "灯", "urgent": "on"})
    assert response.status_code == 200
    assert "请把要反映的事情写清楚（至少 4 个字）" in text(response)
    page = response.content.decode()
    assert "checked" in re.search(r'<input[^>]*name="kind" value="wish"[^>]*>', page).group(0)
    assert "checked" in re.search(r'<input[^>]*name="urgent"[^>]*>', page).group(0)
    assert not Voice.objects.exists()


def test_the_intake_page_says_which_photo_is_bad(client, street):
    client.force_login(street.accounts["resident"])
    response = client.post("/voices/new/", {"kind": "wish", "text": WISH, "photos": [png(), not_an_image()]})
    assert response.status_code == 200
    assert "“照片.jpg”不是能打开的图片" in text(response)
    assert "照片没有保存，请改正上面的内容后重新选择照片" in text(response)
    assert WISH in response.content.decode()
    assert not Voice.objects.exists()


def test_the_intake_page_refuses_seven_photos(client, street):
    client.force_login(street.accounts["resident"])
    response = client.post("/voices/new/", {"kind": "wish", "text": WISH, "photos": [png(f"{i}.png") for i in range(7)]})
    assert "最多上传 6 张照片" in text(response) and not Voice.objects.exists()


def test_a_double_submit_from_the_page_gives_one_voice(client, street):
    client.force_login(street.accounts["resident"])
    first = client.post("/voices/new/", {"kind": "wish", "text": WISH})
    second = client.post("/voices/new/", {"kind": "wish", "text": WISH})
    voice = Voice.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/voices/{voice.pk}/sent/"
    page = text(client.get(first["Location"]))
    assert f"您的心愿已提交，编号 #{voice.pk}" in page and "接下来" in page and "初步归类：" in page


def test_record_page_finds_people_in_the_place_with_masked_details(client, street):
    client.force_login(street.accounts["grid_worker"])
    response = client.get("/voices/record/", {"q": "张"})
    page = text(response)
    assert response.status_code == 200 and "代为登记群众心声 · 八里铺第一网格" in page
    assert "张三" in page and "138****5678" in page
    assert "13812345678" not in response.content.decode() and street.resident_a.id_number not in page
    assert "李四" not in text(client.get("/voices/record/", {"q": "李"}))  # another community's


def test_record_page_records_for_the_person_picked(client, street):
    client.force_login(street.accounts["grid_worker"])
    response = client.post("/voices/record/?q=zs", {
        "place": street.grid_a1.pk, "person": street.resident_a.pk, "channel": "visit", "kind": "difficulty",
        "text": "老伴住院，医药费报销手续不清楚", "photos": [png()]})
    voice = Voice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/voices/{voice.pk}/"
    assert (voice.person, voice.org, voice.channel) == (street.resident_a, street.building_a1, "visit")
    assert voice.photos.count() == 1


def test_record_page_refuses_a_person_out_of_scope_and_keeps_the_text(client, street):
    client.force_login(street.accounts["grid_worker"])
    response = client.post("/voices/record/?q=李", {
        "place": street.grid_a1.pk, "person": street.resident_b.pk, "channel": "visit", "kind": "wish",
        "text": WISH})
    assert response.status_code == 200
    assert "请从查找结果中选择反映人" in text(response) and WISH in response.content.decode()
    assert not Voice.objects.exists()


def test_record_page_refuses_a_place_out_of_scope(client, street):
    client.force_login(street.accounts["grid_worker"])
    response = client.post("/voices/record/", {"place": street.grid_b1.pk, "channel": "visit", "kind": "wish",
                                               "text": WISH, "speaker_name": "王阿姨"})
    assert response.status_code == 200 and "无权为该地点登记" in text(response)
    assert not Voice.objects.exists()
    assert "无权为该地点登记" in text(client.get("/voices/record/", {"place": "BLP-C2-G1"}))


def test_a_street_admin_picks_the_place_first(client, street):
    client.force_login(street.accounts["street_admin"])
    page = text(client.get("/voices/record/"))
    assert "在哪里听到的" in page and "八里铺第一网格" in page and "学院社区" in page
    assert "1号楼" not in page  # buildings are for those who work a grid or a building
    response = client.post("/voices/record/?place=BLP-C2", {
        "place": street.community_b.pk, "channel": "hotline", "kind": "complaint", "text": PROBLEM,
        "speaker_name": "匿名来电"})
    voice = Voice.objects.get()
    assert response.status_code == 302 and voice.org == street.community_b and voice.person is None
