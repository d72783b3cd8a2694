import factory

from books import services
from books.models import Book, Page
from users.tests.factories import UserFactory


class BookFactory(factory.django.DjangoModelFactory):
    """A book under a generated magic code, with `pages` pages (3 unless told)."""

    class Meta:
        model = Book
        skip_postgeneration_save = True

    title = factory.Sequence(lambda number: f"Book {number}")
    author = factory.Faker("first_name")
    teacher = factory.Iterator(["Ms. Oliveira", "Mr. Santos"])
    creator = factory.SubFactory(UserFactory)
    magic_code = factory.LazyFunction(services.generate_magic_code)

    @factory.post_generation
    def pages(book, create, extracted, **kwargs):
        count = 3 if extracted is None else extracted
        if create:
            for number in range(1, count + 1):
                PageFactory(book=book, number=number)


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    book = factory.SubFactory(BookFactory, pages=0)
    number = 1
    text = factory.Faker("sentence")


def book_body(pages: int = 3, **changes) -> dict:
    body = {
        "title": "The Dragon Who Lost Her Roar",
        "author": "Maya",
        "teacher": "Ms. Oliveira",
        "pages": [{"number": number, "text": f"Page {number} text."} for number in range(1, pages + 1)],
    }
    return {**body, **changes}
