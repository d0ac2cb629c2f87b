from django.db import models


class BareRow(models.Model):
    """A trivial table: one row per request of the bare view, and per pgbench transaction."""

    n = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "bench_bare_row"
