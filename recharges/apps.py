from django.apps import AppConfig


class RechargesConfig(AppConfig):
    name = "recharges"
    verbose_name = "Phone recharges"
