"""Routes of the livelihood projects (民生实事) and problem list (问题清单) pages (namespace
``voices``)."""

from django.urls import path

from .views import projects, rectifications

urlpatterns: list = [
    path("projects/", projects.project_list_view, name="project_list"),
    path("projects/new/", projects.project_create_view, name="project_create"),
    path("projects/mine/", projects.my_supervised_view, name="my_supervised"),
    path("projects/<int:pk>/", projects.project_detail_view, name="project_detail"),
    path("projects/<int:pk>/edit/", projects.project_edit_view, name="project_edit"),
    path("projects/<int:pk>/start/", projects.project_start_view, name="project_start"),
    path("projects/<int:pk>/milestones/", projects.milestone_add_view, name="project_milestone_add"),
    path("projects/<int:pk>/milestones/<int:milestone_pk>/done/", projects.milestone_done_view,
         name="project_milestone_done"),
    path("projects/<int:pk>/milestones/<int:milestone_pk>/undo/", projects.milestone_undo_view,
         name="project_milestone_undo"),
    path("projects/<int:pk>/supervisors/", projects.supervisor_appoint_view, name="project_supervisor_appoint"),
    path("projects/<int:pk>/supervisors/<int:person_pk>/remove/", projects.supervisor_remove_view,
         name="project_supervisor_remove"),
    path("projects/<int:pk>/comments/", projects.supervisor_comment_view, name="project_comment"),
    path("problems/", rectifications.rectification_list_view, name="rectification_list"),
    path("problems/new/", rectifications.rectification_create_view, name="rectification_create"),
    path("problems/<int:pk>/", rectifications.rectification_detail_view, name="rectification_detail"),
    path("problems/<int:pk>/start/", rectifications.rectification_start_view, name="rectification_start"),
    path("problems/<int:pk>/phases/<int:phase_pk>/done/", rectifications.rectification_phase_done_view,
         name="rectification_phase_done"),
    path("problems/<int:pk>/fix/", rectifications.rectification_fix_view, name="rectification_fix"),
    path("problems/<int:pk>/reopen/", rectifications.rectification_reopen_view, name="rectification_reopen"),
]
