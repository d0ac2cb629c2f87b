"""(Being written.)"""
from django.http import Http404


def bulletin_page(request):
    raise Http404


bulletin_download = weights_edit = bulletin_page
