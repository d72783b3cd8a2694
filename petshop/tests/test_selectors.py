import pytest
from django.db import connection

from petshop import selectors
from petshop.filters import PetFilter

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL")
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ({}, "petshop_pet_created_id_idx"),
        ({"raca": "Beagle"}, "petshop_pet_upper_breed_idx"),
        ({"dono": "Ana"}, "petshop_pet_upper_owner_idx"),
    ],
    ids=["order", "breed", "owner"],
)
def test_the_list_queries_can_use_their_indexes(query, index):
    """The indexes match the SQL that `GET /pet` runs: its order, and its filters' UPPER() comparisons."""
    filtered = PetFilter(query, queryset=selectors.pet_list()).qs
    # A page in the list's order; for a filter, the rows it selects (what X-Total-Count counts).
    sql = filtered[200:300] if not query else filtered.order_by()
    with connection.cursor() as cursor:
        # A test table is small enough to scan and sort; ask whether the index can serve at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    assert index in sql.explain()
