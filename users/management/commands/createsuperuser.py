"""`createsuperuser` that also fills the name fields when run with --noinput.

The login is the e-mail address (DJANGO_SUPERUSER_EMAIL); the optional
DJANGO_SUPERUSER_NAME and DJANGO_SUPERUSER_LAST_NAME fill the profile, so that
`createsuperuser --noinput` needs nothing beyond e-mail and password.
"""

import os

from django.contrib.auth.management.commands import createsuperuser

from users.models import User


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options["interactive"]:
            return
        email = options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL")
        names = {
            field: os.environ[f"DJANGO_SUPERUSER_{field.upper()}"]
            for field in ("name", "last_name")
            if os.environ.get(f"DJANGO_SUPERUSER_{field.upper()}")
        }
        if email and names:
            User.objects.using(options["database"]).filter(email=User.objects.normalize_email(email)).update(**names)
