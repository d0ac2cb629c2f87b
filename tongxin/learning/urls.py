"""Study pages: sessions and check-in, deliveries and materials, coverage. Each area keeps its
routes in its own module; they share the ``learning`` namespace."""

from . import urls_coverage, urls_sessions, urls_study

app_name = "learning"
urlpatterns = urls_sessions.urlpatterns + urls_study.urlpatterns + urls_coverage.urlpatterns
