import json

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import BareRow


@csrf_exempt
@require_POST
def insert_one(request):
    """Parse a small JSON body, insert one row, answer with its id: Django's own floor."""
    n = int(json.loads(request.body or b"{}").get("n", 0))
    row = BareRow.objects.create(n=n, created_at=timezone.now())
    return JsonResponse({"id": row.pk, "n": n})
