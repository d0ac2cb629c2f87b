"""Two cadres register the same ID number at the same moment: one person, one clear message."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tongxin.people.models import Person
from tongxin.people.services import PersonData, person_create
from tongxin.testing import make_id_number


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_id_number_make_one_person(street):
    id_number = make_id_number(555, "19750505")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def register(i: int) -> None:
        try:
            barrier.wait()
            person_create(by=None, data=PersonData(name=f"并发{i}", org=street.building_a1, id_number=id_number))
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcomes.count("created") == 1
    assert sorted(set(outcomes) - {"created"}) == ["该身份证号已登记"]
    assert len(outcomes) == 8
    assert Person.objects.filter(name__startswith="并发").count() == 1
