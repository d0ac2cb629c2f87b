"""Deliveries, materials, reflections and bulletins (namespace ``learning``)."""

from django.urls import path

from .views import bulletins, deliveries, materials, reflections

urlpatterns = [
    path("deliveries/", deliveries.delivery_list_view, name="delivery_list"),
    path("deliveries/new/", deliveries.delivery_create_view, name="delivery_create"),
    path("deliveries/export.xlsx", deliveries.delivery_export_view, name="delivery_export"),
    path("materials/", materials.material_list_view, name="material_list"),
    path("materials/new/", materials.material_create_view, name="material_create"),
    path("materials/<int:pk>/", materials.material_detail_view, name="material_detail"),
    path("materials/<int:pk>/distributions.xlsx", materials.material_distributions_export_view,
         name="material_distributions_export"),
    path("reflections/", reflections.reflection_list_view, name="reflection_list"),
    path("reflections/new/", reflections.reflection_submit_view, name="reflection_submit"),
    path("reflections/mine/", reflections.my_reflections_view, name="my_reflections"),
    path("reflections/<int:pk>/", reflections.reflection_review_view, name="reflection_review"),
    path("reflections/<int:pk>/revise/", reflections.reflection_revise_view, name="reflection_revise"),
    path("bulletins/", bulletins.bulletin_list_view, name="bulletin_list"),
    path("bulletins/new/", bulletins.bulletin_create_view, name="bulletin_create"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail_view, name="bulletin_detail"),
]
