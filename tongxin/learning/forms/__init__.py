"""Forms of the study pages: ``sessions`` (sessions and the weekly timetable) and ``study``
(deliveries, materials and their distribution, reflections, bulletins).

The forms only shape and check what was typed; the services check it again and write it.
"""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (else on the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
