import pytest
from django.db import IntegrityError, transaction

from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": " Rex"},
        {"owner": "Ana "},
        {"breed": ""},
        {"birth_year": 1899},
        {"picture": "pets/x.png"},
        {"picture_sha256": "0" * 64, "picture_width": 1, "picture_height": 1, "picture_bytes": 1},
    ],
)
def test_database_constraints_hold_when_the_validators_are_bypassed(changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        PetFactory(**changes)
