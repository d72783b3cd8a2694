"""BookSerializer's written-out read path answers what DRF's generic path answers."""

import pytest
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.request import Request

from books import selectors
from books.serializers import BookSerializer
from books.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


def test_the_written_out_read_path_is_the_generic_one(illustrate):
    book = BookFactory()
    illustrate(book.pages.get(number=2))
    context = {"request": Request(RequestFactory().get("/", HTTP_HOST="testserver", secure=True))}
    for loaded in (selectors.book_get(book.magic_code.lower()), book):  # pages set by the selector, or queried
        serializer = BookSerializer(loaded, context=context)
        generic = serializers.Serializer.to_representation(serializer, loaded)
        assert list(serializer.data.items()) == list(generic.items())
        assert [page["picture_url"] is not None for page in serializer.data["pages"]] == [False, True, False]
