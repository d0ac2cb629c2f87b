"""Sessions, check-in, attendance and the timetable (namespace ``learning``)."""

from django.urls import path

from .views import attendance, checkin, schedule, sessions

urlpatterns: list = [
    path("sessions/", sessions.session_list_view, name="session_list"),
    path("sessions/calendar/", sessions.session_calendar, name="session_calendar"),
    path("sessions/new/", sessions.session_create_view, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit_view, name="session_edit"),
    path("sessions/<int:pk>/open/", sessions.session_open_view, name="session_open"),
    path("sessions/<int:pk>/close/", sessions.session_close_view, name="session_close"),
    path("sessions/<int:pk>/qr/", checkin.session_qr, name="session_qr"),
    path("sessions/<int:pk>/qr/code/", checkin.session_qr_code, name="session_qr_code"),
    path("sessions/<int:pk>/live/", checkin.session_live, name="session_live"),
    path("sessions/<int:pk>/attendance/", attendance.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/attendance/export.xlsx", attendance.session_attendance_export_view,
         name="session_attendance_export"),
    path("sessions/<int:pk>/roster/", attendance.session_roster_view, name="session_roster"),
    path("sessions/<int:pk>/sign-sheet/", attendance.session_sign_sheet, name="session_sign_sheet"),
    # The address carried in the QR code; it must survive the login redirect (?next=).
    path("checkin/<int:session_id>/<str:token>/", checkin.checkin_view, name="checkin"),
    path("schedule/", schedule.schedule_view, name="schedule"),
    path("schedule/new/", schedule.schedule_create_view, name="schedule_create"),
    path("schedule/<int:pk>/edit/", schedule.schedule_edit_view, name="schedule_edit"),
    path("this-week/", schedule.this_week_view, name="this_week"),
]
