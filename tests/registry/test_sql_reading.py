"""Rows of the statements written as SQL (school search, the school lookup, sessions) made
into model instances by registry.selectors.sql: the same instances Django's ``raw()`` and
``from_db`` make, and Django's own way wherever making one does more than set fields."""

import pytest
from django.db import connection, models
from django.db.models.signals import post_init
from django.test.utils import isolate_apps

from registry.models import Approval, Offering
from registry.selectors.sql import _plain, columns, instances, maker, table
from tests.registry.builders import approve, organization

pytestmark = pytest.mark.django_db

FIELDS = ("id", "jurisdiction_id", "status", "valid_until", "expert_score", "created_at",
          "grade_min", "grade_max", "organization_id")


def _state(instance) -> dict:
    return {name: value for name, value in instance.__dict__.items() if name != "_state"}


def test_instances_are_what_raw_makes_of_the_same_rows():
    """Each value converted as the ORM reads it (on SQLite dates, decimals and datetimes
    are text), the fields not read deferred, the instance read from the database."""
    approve(organization=organization("南昌弈林文化有限公司", ("围棋", "arts", "25")),
            categories=("arts",), expert_score="87.5")
    names = tuple(reversed(FIELDS))  # in any order
    sql = f"SELECT {columns(Approval, names)} FROM {table(Approval)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    [made] = instances(Approval, names, rows, using=connection.alias)
    [raw] = Approval.objects.raw(sql)
    assert _state(made) == _state(raw)
    assert made.get_deferred_fields() == raw.get_deferred_fields() != set()
    assert (made._state.adding, made._state.db) == (False, "default")
    assert str(made.expert_score) == "87.50" and made.valid_until.year > 2000
    assert made.organization.name == "南昌弈林文化有限公司"  # the relation read on demand


def test_an_instance_is_made_by_django_while_anyone_listens_to_its_making(world_offering):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    values = (world_offering.pk, world_offering.title)
    fast = maker(Offering)(connection.alias, ("id", "title"), values)
    post_init.connect(receiver, sender=Offering)
    try:
        assert maker(Offering) == Offering.from_db
        slow = maker(Offering)(connection.alias, ("id", "title"), values)
    finally:
        post_init.disconnect(receiver, sender=Offering)
    assert seen == [world_offering.pk]
    assert _state(fast) == _state(slow) == {"id": world_offering.pk,
                                             "title": world_offering.title}
    assert fast.get_deferred_fields() == slow.get_deferred_fields()


@isolate_apps("registry")
def test_a_model_that_does_more_than_set_its_fields_is_made_by_django():
    class Registry:
        app_label = "registry"

    def model(model_name: str, **attributes):
        attributes = {"__module__": __name__, "Meta": Registry,
                      "__str__": lambda self: model_name, **attributes}
        return type(model_name, (models.Model,), attributes)

    plain = model("Plain", title=models.CharField(max_length=10),
                  parent=models.ForeignKey("self", null=True, on_delete=models.CASCADE))
    with_file = model("WithFile", upload=models.FileField())

    def __init__(self, *args, **kwargs):
        super(with_init, self).__init__(*args, **kwargs)

    with_init = model("WithInit", __init__=__init__)
    assert _plain(plain)
    assert not _plain(with_file) and not _plain(with_init)
    assert maker(with_file) == with_file.from_db


@pytest.fixture
def world_offering():
    return organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25")).offerings.get()
