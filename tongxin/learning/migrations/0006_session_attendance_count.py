"""Each session keeps its count of attendances (签到人次), counted here once from the rows."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_attendances(apps, schema_editor):
    Session = apps.get_model("learning", "Session")
    Attendance = apps.get_model("learning", "Attendance")
    per_session = (Attendance.objects.filter(session=OuterRef("pk")).order_by().values("session")
                   .annotate(n=Count("id")).values("n"))
    Session.objects.update(attendance_count=Coalesce(Subquery(per_session), 0))


class Migration(migrations.Migration):

    dependencies = [
        ("learning", "0005_coverage_reach_marks"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="attendance_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="签到人次"),
        ),
        migrations.RunPython(count_attendances, migrations.RunPython.noop),
    ]
