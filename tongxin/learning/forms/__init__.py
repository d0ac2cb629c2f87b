"""Forms of the study pages: ``sessions`` (sessions and the weekly timetable) and ``study``
(deliveries, materials and their distribution, reflections, bulletins).

The forms only shape and check what was typed; the services check it again and write it.
"""
