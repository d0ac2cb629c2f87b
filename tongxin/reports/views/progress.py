"""(Being written.)"""
from django.http import Http404


def progress_page(request):
    raise Http404


progress_download = texts_edit = progress_page
