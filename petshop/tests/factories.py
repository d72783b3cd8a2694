import factory

from petshop.models import Pet
from petshop.validators import new_pet_id


class PetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pet

    id = factory.LazyFunction(new_pet_id)
    name = factory.Sequence(lambda number: f"Dog {number}")
    owner = factory.Faker("first_name")
    breed = factory.Iterator(["Poodle", "Beagle", "Golden Retriever", "Dachshund"])
    birth_year = factory.Faker("pyint", min_value=2005, max_value=2024)
