"""Two admins at the same moment: still one overall plan, still one completion per unit."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tongxin.campaigns.models import Plan, TaskCompletion
from tongxin.campaigns.services import plan_create, task_complete, task_create

from .records import days


def _at_once(work, n: int = 8) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == n
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_simultaneous_overall_plans_make_one(street, campaign):
    outcomes = _at_once(lambda i: plan_create(by=None, campaign=campaign, kind="overall", title=f"实施方案{i}"))
    assert outcomes.count("ok") == 1
    assert all(o.startswith("每个活动只能有一个实施方案") for o in outcomes if o != "ok")
    assert Plan.objects.filter(campaign=campaign, kind="overall").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_completions_make_one(street, campaign):
    task = task_create(by=None, campaign=campaign, title="报送进展情况", due_on=days(3), org=street.street,
                       proof_kind="report")
    outcomes = _at_once(lambda i: task_complete(by=None, task=task, org=street.community_a, report=f"报告{i}"))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {"八里铺社区已记录完成“报送进展情况”，不能重复记录"}
    assert TaskCompletion.objects.filter(task=task).count() == 1
