"""The GitHub stand-in wired in as the proxy's GitHub, and factories' fixtures."""

import pytest

from githubproxy.tests.standin import FakeGitHub


@pytest.fixture
def github(httpserver, settings) -> FakeGitHub:
    """A fake GitHub on a local HTTP server, which the proxy calls (short timeouts, one retry)."""
    settings.GITHUB_API_URL = httpserver.url_for("/")
    settings.GITHUB_TOKEN = ""
    settings.GITHUB_READ_TIMEOUT = 0.5
    settings.GITHUB_RETRIES = 1
    return FakeGitHub(httpserver).install()
