"""Reads of points: ``pages`` for the points pages (and ``figures`` for the reports)."""
