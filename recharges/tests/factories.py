from decimal import Decimal

import factory

from recharges.models import Company, Product, Recharge


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    company_id = factory.Sequence(lambda number: f"carrier_{number}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    id = factory.Sequence(lambda number: f"product_{number}")
    company = factory.SubFactory(CompanyFactory)
    value = Decimal("10.00")


class RechargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recharge

    product = factory.SubFactory(ProductFactory)
    company = factory.SelfAttribute("product.company")
    phone_number = "5511999999999"
    value = factory.SelfAttribute("product.value")
