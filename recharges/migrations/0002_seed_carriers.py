"""The specification's example carriers, so that a fresh installation shows them.

`claro_11` and `tim_11`, each with products of 10.00 and 20.00 (examples 1.1
and 1.2 of the Jeitto specification). Rows already there are left as they
are; reversing removes only the example products no recharge refers to.
"""

from decimal import Decimal

from django.db import migrations

CARRIERS = {
    "claro_11": {"claro_10": Decimal("10.00"), "claro_20": Decimal("20.00")},
    "tim_11": {"tim_10": Decimal("10.00"), "tim_20": Decimal("20.00")},
}


def load_carriers(apps, schema_editor):
    Company = apps.get_model("recharges", "Company")
    Product = apps.get_model("recharges", "Product")
    for company_id, products in CARRIERS.items():
        company, _ = Company.objects.get_or_create(company_id=company_id)
        for product_id, value in products.items():
            Product.objects.get_or_create(id=product_id, defaults={"company": company, "value": value})


def remove_carriers(apps, schema_editor):
    Company = apps.get_model("recharges", "Company")
    Recharge = apps.get_model("recharges", "Recharge")
    for company_id in CARRIERS:
        if not Recharge.objects.filter(company_id=company_id).exists():
            Company.objects.filter(company_id=company_id).delete()


class Migration(migrations.Migration):
    dependencies = [("recharges", "0001_initial")]

    operations = [migrations.RunPython(load_carriers, remove_carriers)]
