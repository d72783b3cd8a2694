from django.apps import AppConfig


class DogsConfig(AppConfig):
    name = "dogs"
    verbose_name = "Dogs"

    def ready(self) -> None:
        from dogs import signals  # noqa: F401 - connects the receivers
