import uuid

import factory

from petshop.models import Pet


class PetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pet

    id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda number: f"Dog {number}")
    owner = factory.Faker("first_name")
    breed = factory.Iterator(["Poodle", "Beagle", "Golden Retriever", "Dachshund"])
    birth_year = factory.Faker("pyint", min_value=2005, max_value=2024)
