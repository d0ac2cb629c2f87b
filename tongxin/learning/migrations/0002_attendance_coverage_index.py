# The coverage index replaces (campaign, person): same leading columns, plus the check-in time
# in the key and the session included, so that coverage reads attendance from the index alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='attendance',
            index=models.Index(fields=['campaign', 'person', 'checked_in_at'], include=('session',),
                               name='attendance_coverage'),
        ),
        migrations.RemoveIndex(
            model_name='attendance',
            name='attendance_campaign_person',
        ),
    ]
