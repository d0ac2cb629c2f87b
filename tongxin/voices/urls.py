"""Voices pages: intake and handling, visits, projects and the problem list, figures. Each area
keeps its routes in its own module; they share the ``voices`` namespace."""

from . import urls_figures, urls_projects, urls_visits, urls_voices

app_name = "voices"
urlpatterns = (urls_voices.urlpatterns + urls_visits.urlpatterns + urls_projects.urlpatterns
               + urls_figures.urlpatterns)
