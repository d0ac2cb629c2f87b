from django.urls import path

from config.urls import urlpatterns as product_urlpatterns

from .views import insert_one

urlpatterns = [path("bench/bare/insert", insert_one, name="bench_bare_insert"), *product_urlpatterns]
