"""Routes of the figures page and the Excel downloads of the voices pages (namespace ``voices``)."""

from django.urls import path

from .views import exports, figures

urlpatterns = [
    path("figures/", figures.voice_figures_view, name="voice_figures"),
    path("figures/export.xlsx", exports.figures_export_view, name="figures_export"),
    path("export.xlsx", exports.voice_export_view, name="voice_export"),
    path("visits/export.xlsx", exports.visit_export_view, name="visit_export"),
    path("projects/export.xlsx", exports.project_export_view, name="project_export"),
    path("problems/export.xlsx", exports.rectification_export_view, name="rectification_export"),
    path("deeds/export.xlsx", exports.deed_export_view, name="deed_export"),
]
