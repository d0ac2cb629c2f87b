from django.urls import path

from . import views, views_roster

app_name = "people"
urlpatterns = [
    path("", views.person_list_view, name="list"),
    path("new/", views.person_create_view, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit_view, name="edit"),
    path("<int:pk>/reveal/", views.person_reveal_view, name="reveal"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("import/", views_roster.roster_import_view, name="import"),
    path("import/template.xlsx", views_roster.roster_template_view, name="import_template"),
    path("export.xlsx", views_roster.people_export_view, name="export"),
]
