from django.urls import path

from .views import sessions as views

urlpatterns: list = [
    path("sessions/", views.session_list_view, name="session_list"),
    path("sessions/calendar/", views.session_calendar, name="session_calendar"),
    path("sessions/new/", views.session_create_view, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit_view, name="session_edit"),
    path("sessions/<int:pk>/open/", views.session_open_view, name="session_open"),
    path("sessions/<int:pk>/close/", views.session_close_view, name="session_close"),
    path("sessions/<int:pk>/qr/", views.session_qr, name="session_qr"),
    path("sessions/<int:pk>/qr/code/", views.session_qr_code, name="session_qr_code"),
    path("sessions/<int:pk>/live/", views.session_live, name="session_live"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/roster/", views.session_roster_view, name="session_roster"),
    path("sessions/<int:pk>/sign-sheet/", views.session_sign_sheet, name="session_sign_sheet"),
    # The address carried in the QR code; it must survive the login redirect (?next=).
    path("checkin/<int:session_id>/<str:token>/", views.checkin_view, name="checkin"),
    path("schedule/", views.schedule_view, name="schedule"),
    path("schedule/new/", views.schedule_create_view, name="schedule_create"),
    path("schedule/<int:pk>/edit/", views.schedule_edit_view, name="schedule_edit"),
    path("this-week/", views.this_week_view, name="this_week"),
]
