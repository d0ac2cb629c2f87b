from django.urls import path

from .views import bulletin, dashboard, progress

app_name = "reports"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("figures.xlsx", dashboard.figures_export, name="figures_export"),
    path("bulletin/", bulletin.bulletin_page, name="bulletin"),
    path("bulletin.docx", bulletin.bulletin_download, name="bulletin_docx"),
    path("bulletin/weights/", bulletin.weights_edit, name="bulletin_weights"),
    path("progress/", progress.progress_page, name="progress"),
    path("progress.docx", progress.progress_download, name="progress_docx"),
    path("progress/texts/", progress.texts_edit, name="progress_texts"),
]
