from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.my_points, name="my_points"),
    path("checkin/", views.checkin, name="checkin"),
    path("store/", views.catalogue, name="catalogue"),
    path("store/<int:reward_id>/redeem/", views.redeem, name="redeem"),
    path("codes/", views.my_codes, name="my_codes"),
    path("codes/<str:code>/", views.code_detail, name="code_detail"),
    path("codes/<str:code>/cancel/", views.code_cancel, name="code_cancel"),
    path("counter/", views.counter, name="counter"),
    path("counter/<str:code>/verify/", views.counter_verify, name="counter_verify"),
    path("manage/", views.catalogue_manage, name="catalogue_manage"),
    path("manage/new/", views.reward_new, name="reward_new"),
    path("manage/<int:reward_id>/", views.reward_edit, name="reward_edit"),
    path("manage/<int:reward_id>/restock/", views.reward_restock_view, name="reward_restock"),
    path("manage/<int:reward_id>/toggle/", views.reward_toggle, name="reward_toggle"),
    path("rules/", views.rules, name="rules"),
    path("statement/", views.statement, name="statement"),
    path("statement/export/", views.statement_export, name="statement_export"),
    path("figures/", views.figures_page, name="figures"),
    path("figures/export/", views.figures_export, name="figures_export"),
]
