from __future__ import annotations

import factory

from dogs.models import Dog


class DogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dog

    name = factory.Sequence(lambda number: f"Dog {number}")
    picture = factory.Sequence(lambda number: f"https://images.dog.ceo/breeds/papillon/n02086910_{number}.jpg")
    is_adopted = False
