import factory

from users.models import User

# Every factory user has this password unless told otherwise, so tests can log in as one.
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda number: f"user{number}@example.org")
    name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the manager, as sign-up does: the e-mail normalised, the password hashed.
        return model_class.objects.create_user(*args, **kwargs)
