"""Routes of the voices pages (namespace ``voices``): intake, the libraries, the queue, an item's
page, the wish wall, the overdue list, the public board, category deadlines."""

from django.urls import path

from .views import voice_detail, voices

urlpatterns = [
    path("", voices.voice_list_view, name="voice_list"),
    path("new/", voices.voice_submit_view, name="voice_submit"),
    path("mine/", voices.my_voices_view, name="my_voices"),
    path("record/", voices.voice_record_view, name="voice_record"),
    path("queue/", voices.voice_queue_view, name="voice_queue"),
    path("overdue/", voices.voices_overdue_view, name="voices_overdue"),
    path("wishes/", voices.wish_wall_view, name="wish_wall"),
    path("wishes/<int:pk>/claim/", voices.wish_claim_view, name="wish_claim"),
    path("board/<str:community_code>/", voices.voice_board_view, name="voice_board"),
    path("categories/", voices.voice_categories_view, name="voice_categories"),
    path("<int:pk>/", voice_detail.voice_detail_view, name="voice_detail"),
    path("<int:pk>/sent/", voices.voice_sent_view, name="voice_sent"),
    path("<int:pk>/photos/<int:photo_pk>/", voice_detail.voice_photo_view, name="voice_photo"),
]
