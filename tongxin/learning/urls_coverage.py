"""Coverage: the figures with drill-down, the gap list, and the grid worker's to-do list
(namespace ``learning``)."""

from django.urls import path

from .views import coverage

urlpatterns = [
    path("coverage/", coverage.coverage_view, name="coverage"),
    path("coverage/gaps/", coverage.coverage_gaps_view, name="coverage_gaps"),
    path("coverage/gaps/export.xlsx", coverage.coverage_gaps_export_view, name="coverage_gaps_export"),
    path("todo/", coverage.my_todo_view, name="my_todo"),
    path("todo/record/", coverage.my_todo_record_view, name="my_todo_record"),
]
