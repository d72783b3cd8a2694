from django.apps import AppConfig


class DogsConfig(AppConfig):
    name = "dogs"
    verbose_name = "Dogs"
