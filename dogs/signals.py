"""Receivers for changes that other apps make to dogs.

Deleting a user sets their dogs' owner to null in the database
(`on_delete=SET_NULL`), which no `dogs.services` call sees: the dogs' cached
bodies (dogs.cache) must go too. A signal, since the users app knows nothing
of dogs.
"""

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from dogs import cache
from dogs.models import Dog


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="dogs.owner_deleted")
def owner_deleted(sender, instance, **kwargs) -> None:
    cache.invalidate_on_commit(Dog.objects.filter(owner=instance).values_list("name", flat=True))
