from django.apps import AppConfig


class PetshopConfig(AppConfig):
    name = "petshop"
    verbose_name = "Pet shop"
