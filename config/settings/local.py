"""Settings for a developer's machine and the README's `make run`.

Plain HTTP on loopback even with DJANGO_DEBUG=false: HTTPS redirects and
secure-only cookies belong to production settings.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-key-change-me")

# Serve static files straight from the apps while developing, so the docs pages
# work before `collectstatic`; the README's run command collects them anyway.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
