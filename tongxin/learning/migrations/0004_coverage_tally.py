# Coverage tallies: the summary figures of each area of a campaign, and the areas marked for a
# new count. Every area of the coverage rows that exist already is marked, so that the first
# summary read of each campaign counts its tallies.

import django.db.models.deletion
from django.db import migrations, models


def mark_every_area(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("INSERT INTO learning_coveragedirty (campaign_id, area_id) "
                       "SELECT DISTINCT campaign_id, area_id FROM learning_coverageentry")


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0002_initial'),
        ('learning', '0003_coverage_entry'),
        ('orgs', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='CoverageDirty',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('area', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.org')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
            ],
            options={
                'verbose_name': '待重算的覆盖汇总',
                'verbose_name_plural': '待重算的覆盖汇总',
            },
        ),
        migrations.CreateModel(
            name='CoverageTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('figures', models.JSONField(default=dict)),
                ('computed_at', models.DateTimeField()),
                ('area', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.org')),
                ('campaign', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
            ],
            options={
                'verbose_name': '覆盖汇总',
                'verbose_name_plural': '覆盖汇总',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'area'), name='coverage_tally_once')],
            },
        ),
        migrations.RunPython(mark_every_area, migrations.RunPython.noop),
    ]
