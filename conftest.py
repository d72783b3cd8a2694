"""The shared fixtures (tests/fixtures/) are available to every test of every app."""

pytest_plugins = [
    "tests.fixtures.storage",
    "tests.fixtures.images",
    "tests.fixtures.users",
    "tests.fixtures.celery",
]
