"""Routes of the visits and good deeds pages (namespace ``voices``)."""

from django.urls import path

from .views import deeds, visits

urlpatterns = [
    path("visits/", visits.visit_list_view, name="visit_list"),
    path("visits/new/", visits.visit_record_view, name="visit_record"),
    path("visits/todo/", visits.visit_todo_view, name="visit_todo"),
    path("visits/coverage/", visits.visit_coverage_view, name="visit_coverage"),
    path("visits/<int:pk>/", visits.visit_detail_view, name="visit_detail"),
    path("deeds/", deeds.deed_list_view, name="deed_list"),
    path("deeds/new/", deeds.deed_record_view, name="deed_record"),
]
