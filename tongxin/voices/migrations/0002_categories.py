"""The categories of voices with their deadlines (days to resolve), as the seeds name them. Data:
a street changes the days on its settings page, and may add categories there."""

from django.db import migrations

CATEGORIES = [
    ("property", "物业", 15),
    ("sanitation", "环境卫生", 7),
    ("elderly_care", "养老", 15),
    ("employment", "就业", 30),
    ("medical", "医疗", 15),
    ("education", "教育", 30),
    ("public_security", "治安", 7),
    ("traffic", "交通出行", 15),
    ("culture_facilities", "文化设施", 30),
    ("policy", "政策咨询", 7),
    ("assistance", "帮扶救助", 7),
    ("utilities", "水电气暖", 3),
    ("service_conduct", "服务作风", 7),
    ("other", "其他", 15),
]


def add(apps, schema_editor):
    Category = apps.get_model("voices", "VoiceCategory")
    for order, (code, name, days) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(code=code, defaults={"name": name, "deadline_days": days, "order": order})


def remove(apps, schema_editor):
    apps.get_model("voices", "VoiceCategory").objects.filter(code__in=[c for c, _n, _d in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("voices", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
