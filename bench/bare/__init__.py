"""The floor of the check-in benchmark: a bare Django view that inserts one row.

It runs on the same gunicorn, settings and database as the product (``bench.bare.settings``
extends the deployment settings by this app and one URL), so the check-in rate can be read as a
share of what Django itself reaches on this stack. It lives under ``bench/`` and is never
installed by the product's settings.
"""
