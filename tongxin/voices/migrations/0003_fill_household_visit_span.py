"""Each household's first and last visit (``Household.first_visited_at`` / ``last_visited_at``,
kept by ``voices.services.visits`` from now on), from the visits recorded so far."""

from django.db import migrations


def fill(apps, schema_editor):
    from django.db.models import Max, Min, OuterRef, Subquery

    Household = apps.get_model("orgs", "Household")
    Visit = apps.get_model("voices", "Visit")
    visits = Visit.objects.filter(household=OuterRef("pk")).order_by().values("household")
    Household.objects.filter(pk__in=Visit.objects.values("household_id")).update(
        first_visited_at=Subquery(visits.annotate(x=Min("visited_at")).values("x")),
        last_visited_at=Subquery(visits.annotate(x=Max("visited_at")).values("x")))


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0002_household_visit_span"),
        ("voices", "0002_categories"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
