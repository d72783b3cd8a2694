from django.apps import AppConfig


class GithubproxyConfig(AppConfig):
    name = "githubproxy"
    verbose_name = "GitHub proxy"

    def ready(self) -> None:
        from githubproxy import signals  # noqa: F401 - connects the receivers
