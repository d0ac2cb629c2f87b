from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list_view, name="list"),
    path("new/", views.campaign_create_view, name="create"),
    path("<slug:slug>/", views.campaign_detail_view, name="detail"),
    path("<slug:slug>/edit/", views.campaign_edit_view, name="edit"),
    path("<slug:slug>/plans/new/", views.plan_create_view, name="plan_create"),
    path("<slug:slug>/tasks/new/", views.task_create_view, name="task_create"),
    path("<slug:slug>/measures/new/", views.measure_create_view, name="measure_create"),
    path("<slug:slug>/compliance/", views.compliance_view, name="compliance"),
    path("<slug:slug>/compliance/<str:code>/tasks/<int:task_id>/complete/", views.completion_create_view,
         name="complete"),
    path("<slug:slug>/proof/<str:kind>/<int:pk>/", views.proof_view, name="proof"),
]
