from django.apps import AppConfig


class GithubproxyConfig(AppConfig):
    name = "githubproxy"
    verbose_name = "GitHub proxy"
