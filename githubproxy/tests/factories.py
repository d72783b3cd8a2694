import datetime

import factory

from githubproxy.models import Repository, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    github_id = factory.Sequence(lambda number: 1000 + number)
    login = factory.Sequence(lambda number: f"dev-{number}")


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repository

    owner = factory.SubFactory(UserFactory)
    github_id = factory.Sequence(lambda number: 500_000 + number)
    name = factory.Sequence(lambda number: f"project-{number}")
    full_name = factory.LazyAttribute(lambda repository: f"{repository.owner.login}/{repository.name}")
    html_url = factory.LazyAttribute(lambda repository: f"https://github.com/{repository.full_name}")
    visibility = "public"
    private = False
    created_at = datetime.datetime(2019, 3, 14, 9, 26, 53, tzinfo=datetime.UTC)
    updated_at = datetime.datetime(2026, 11, 30, 18, 2, 11, tzinfo=datetime.UTC)
    size = 1432
    stars = 27
    watchers = 3
