"""Deliveries, materials, reflections and bulletins (namespace ``learning``)."""

from django.urls import path

from .views import study

urlpatterns = [
    path("deliveries/", study.delivery_list_view, name="delivery_list"),
    path("deliveries/new/", study.delivery_create_view, name="delivery_create"),
    path("deliveries/export.xlsx", study.delivery_export_view, name="delivery_export"),
    path("materials/", study.material_list_view, name="material_list"),
    path("materials/new/", study.material_create_view, name="material_create"),
    path("materials/<int:pk>/", study.material_detail_view, name="material_detail"),
    path("materials/<int:pk>/distributions.xlsx", study.material_distributions_export_view,
         name="material_distributions_export"),
    path("reflections/", study.reflection_list_view, name="reflection_list"),
    path("reflections/new/", study.reflection_submit_view, name="reflection_submit"),
    path("reflections/mine/", study.my_reflections_view, name="my_reflections"),
    path("reflections/<int:pk>/", study.reflection_review_view, name="reflection_review"),
    path("reflections/<int:pk>/revise/", study.reflection_revise_view, name="reflection_revise"),
    path("bulletins/", study.bulletin_list_view, name="bulletin_list"),
    path("bulletins/new/", study.bulletin_create_view, name="bulletin_create"),
    path("bulletins/<int:pk>/", study.bulletin_detail_view, name="bulletin_detail"),
]
