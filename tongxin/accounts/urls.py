from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.TongxinLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_verify, name="otp"),
    path("lockouts/", views.lockouts, name="lockouts"),
]
