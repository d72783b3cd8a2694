"""Concurrent upserts of one GitHub object: threads, each with its own database connection.

Two requests saving the same new repository (or listing the same new user) at
once both find no row; the unique constraints let one insert win and the other
then finds and updates that row. Transactional: the threads see only
committed rows.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from githubproxy import services
from githubproxy.clients import GitHubUser
from githubproxy.models import Repository, User
from githubproxy.tests.test_services import github_repository

THREADS = 12

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(work, count: int = THREADS) -> list:
    barrier = threading.Barrier(count)

    def run(number: int):
        try:
            barrier.wait(timeout=30)
            return work(number)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_saves_of_one_new_repository_store_one_row():
    owner = GitHubUser(id=5, login="mrdev")

    saved = run_concurrently(lambda number: services.repository_upsert(github_repository(owner, "dotfiles", 77)))

    assert {repository.pk for repository in saved} == {Repository.objects.get().pk}
    assert User.objects.count() == 1


def test_concurrent_listings_of_one_new_user_store_one_row():
    users = run_concurrently(lambda number: services.user_upsert(GitHubUser(id=5, login="mrdev")))

    assert {user.pk for user in users} == {User.objects.get().pk}
