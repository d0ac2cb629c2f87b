# Coverage entries: one row per target person per campaign, kept by the services, so that the
# coverage of a district is a grouped count. The rows of campaigns that exist already are
# written by `python manage.py coverage_rebuild`, run once after this migration.

import django.db.models.deletion
import tongxin.learning.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0002_initial'),
        ('learning', '0002_attendance_coverage_index'),
        ('orgs', '0001_initial'),
        ('people', '0002_person_search_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='CoverageEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50)),
                ('place_path', tongxin.learning.models.TreePathField(max_length=255)),
                ('branch_path', tongxin.learning.models.TreePathField(blank=True, default='', max_length=255)),
                ('member_class', models.PositiveSmallIntegerField(choices=[(0, '居民'), (1, '普通党员'), (2, '老弱病残党员'), (3, '流动党员'), (4, '老弱病残的流动党员')])),
                ('groups', models.IntegerField(default=0)),
                ('first_reached_at', models.DateTimeField(null=True)),
                ('ways', models.IntegerField(default=0)),
                ('area', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.org')),
                ('branch', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.org')),
                ('campaign', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                ('person', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.person')),
                ('place', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.org')),
            ],
            options={
                'verbose_name': '覆盖明细',
                'verbose_name_plural': '覆盖明细',
                'indexes': [models.Index(fields=['campaign', 'place_path'], include=('area', 'member_class', 'groups', 'ways', 'first_reached_at'), name='coverage_entry_place'), models.Index(condition=models.Q(('branch_path', ''), _negated=True), fields=['campaign', 'branch_path'], name='coverage_entry_branch'), models.Index(condition=models.Q(('first_reached_at__isnull', True)), fields=['campaign', 'place_path', 'name', 'person'], name='coverage_entry_gap')],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'person'), name='coverage_entry_once')],
            },
        ),
    ]
