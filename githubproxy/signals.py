"""Every write to a stored user or repository drops the cached local lists it changes (githubproxy.cache).

Signals rather than calls in `githubproxy.services`, because the admin, the
deletions Django cascades (a user's repositories) and the services all write
these rows. `pre_save` remembers which login a row had before (a user renamed,
a repository moved to another owner): that login's list changes too.
`QuerySet.update()` sends no signals; nothing in the app uses it on these
tables.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from githubproxy import cache
from githubproxy.models import Repository, User

_LOGIN_BEFORE = "_githubproxy_login_before"


@receiver(pre_save, sender=User, dispatch_uid="githubproxy.user_pre_save")
def user_pre_save(sender, instance: User, raw: bool = False, **kwargs) -> None:
    if instance.pk is not None and not raw:
        setattr(instance, _LOGIN_BEFORE, User.objects.filter(pk=instance.pk).values_list("login", flat=True).first())


@receiver(pre_save, sender=Repository, dispatch_uid="githubproxy.repository_pre_save")
def repository_pre_save(sender, instance: Repository, raw: bool = False, **kwargs) -> None:
    if instance.pk is not None and not raw:
        before = Repository.objects.filter(pk=instance.pk).values_list("owner__login", flat=True).first()
        setattr(instance, _LOGIN_BEFORE, before)


@receiver(post_save, sender=User, dispatch_uid="githubproxy.user_saved")
@receiver(post_delete, sender=User, dispatch_uid="githubproxy.user_deleted")
def user_changed(sender, instance: User, **kwargs) -> None:
    cache.invalidate_on_commit([instance.login, getattr(instance, _LOGIN_BEFORE, None)])


@receiver(post_save, sender=Repository, dispatch_uid="githubproxy.repository_saved")
@receiver(post_delete, sender=Repository, dispatch_uid="githubproxy.repository_deleted")
def repository_changed(sender, instance: Repository, origin=None, **kwargs) -> None:
    if isinstance(origin, User) or getattr(origin, "model", None) is User:
        # Deleted with its owner (a cascade, one signal per row): the owner's own
        # post_delete drops the list, so no query per repository here.
        return
    owner = User.objects.filter(pk=instance.owner_id).values_list("login", flat=True).first()
    cache.invalidate_on_commit([owner, getattr(instance, _LOGIN_BEFORE, None)])
