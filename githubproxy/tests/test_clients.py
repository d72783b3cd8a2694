"""The GitHub client against the stand-in: headers, the token, conditional requests, pages."""

import pytest
from django.core.cache import cache

from core.errors import UpstreamError
from githubproxy.clients import GitHubClient, GitHubNotFound, github_client
from githubproxy.tests import standin


def test_client_sends_the_headers_github_asks_for_and_the_token(github, httpserver, settings):
    settings.GITHUB_TOKEN = "ghp_secret"
    github.add_user("mrdev")

    github_client().user("mrdev")

    request, _response = httpserver.log[-1]
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert request.headers["Authorization"] == "Bearer ghp_secret"
    assert request.headers["User-Agent"] == settings.OUTBOUND_USER_AGENT


def test_client_sends_no_authorization_without_a_token(github, httpserver):
    github.add_user("mrdev")

    github_client().user("mrdev")

    assert "Authorization" not in httpserver.log[-1][0].headers


def test_client_keeps_one_session_per_configuration(github, settings):
    first = github_client().http
    assert github_client().http is first

    settings.GITHUB_TOKEN = "ghp_other"

    assert github_client().http is not first
    assert github_client().http is GitHubClient().http


def test_cached_answers_are_kept_per_token(github, settings):
    github.add_user("mrdev")
    github_client().user("mrdev")
    settings.GITHUB_TOKEN = "ghp_secret"

    github_client().user("mrdev")

    # Another token's cached answer is not revalidated: a fresh 200, not a 304.
    assert [(etag is not None, status) for *_rest, etag, status in github.requests] == [(False, 200), (False, 200)]


def test_a_304_without_a_cached_body_is_a_bad_gateway(github):
    github.fail_next(lambda request: standin.Response(status=304))

    with pytest.raises(UpstreamError):
        github_client().user("mrdev")


def test_a_cached_answer_lost_from_the_cache_is_fetched_again(github):
    github.add_user("mrdev")
    github_client().user("mrdev")
    cache.clear()

    assert github_client().user("mrdev").login == "mrdev"
    assert [status for *_rest, status in github.requests] == [200, 200]


def test_repository_path_quotes_each_name_as_one_segment(github):
    with pytest.raises(GitHubNotFound):
        github_client().repository("mrdev", "a.b")

    assert github.upstream_paths() == ["/repos/mrdev/a.b"]


def test_next_link_on_the_same_origin_is_followed_and_a_loop_refused(github, httpserver):
    github.add_user("mrdev")
    same = httpserver.url_for("/users/mrdev/repos?page=1")
    looping = standin._json([], 200, {"Link": f'<{same}>; rel="next"'})
    github.fail_next(lambda request: looping, times=3)

    with pytest.raises(UpstreamError):
        github_client().user_repositories("mrdev")

    assert len(github.requests) == 2
