"""Celery tasks: the one shape every app's `tasks.py` copies.

A task is a thin, named wrapper that takes IDs and calls a service::

    # dogs/tasks.py
    from core.tasks import reliable_task

    from dogs import services


    @reliable_task(name="dogs.register_dog_task")
    def register_dog_task(registration_id: int) -> dict:
        \"\"\"Fetch a picture from dog.ceo and create the registration's dog.\"\"\"
        return services.dog_register_from_registration(registration_id)

and the service that owns the transaction queues it once the data it reads
is committed, never on import and never before the commit::

    # dogs/services.py
    with transaction.atomic():
        registration = DogRegistration.objects.create(name=name, owner=owner)
        register_dog_task.delay_on_commit(registration.pk)

The rules behind that shape:

- IDs in, JSON out: the broker carries JSON only; a model instance would be
  stale by the time the worker runs anyway.
- Idempotent by design. A task runs at least once, not exactly once: it is
  acknowledged late (after it finishes), so a worker lost mid-task means
  another run, and a transient failure means a retry. The service must find
  its own finished work on the second run and succeed with it: look the row up
  first, and let a unique constraint plus `get_or_create` (or
  `IntegrityError` -> fetch the existing row) settle a race.
- Retried only on named transient failures (`core.http.TRANSIENT_ERRORS`:
  connection errors, timeouts, upstream 502/503/504) with exponential backoff
  and full jitter, at most `CELERY_TASK_MAX_RETRIES` times, waiting at most
  `CELERY_TASK_RETRY_BACKOFF_MAX` seconds between tries. Anything else (a 500
  from the upstream, a bug, a validation error) fails at once, and the result
  backend keeps the reason for `GET /api/tasks/{id}`.
- Queued with `delay_on_commit` (Celery's Django task class): a task queued
  inside a transaction that rolls back is never sent, and a worker never looks
  for a row that is not committed yet.
- Time limits come from settings (`CELERY_TASK_SOFT_TIME_LIMIT` raises
  `SoftTimeLimitExceeded` inside the task, the hard limit kills it). A task that
  needs other limits passes `time_limit`/`soft_time_limit`, and must stay within
  the broker's visibility timeout (see `longest_unacknowledged_seconds`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task, current_app, shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings

from core.http import TRANSIENT_ERRORS

__all__ = ["ReliableTask", "longest_unacknowledged_seconds", "reliable_task", "worst_case_seconds"]


class ReliableTask(DjangoTask):
    """Base class of every project task: late acknowledgement, named retries, backoff with jitter.

    `DjangoTask` gives `delay_on_commit` / `apply_async_on_commit`.
    """

    # Acknowledge after the task ran, so a worker that dies mid-task does not lose it.
    acks_late = True
    # A pool process that dies (killed, out of memory) puts its message back for
    # another run instead of acknowledging it. A task stopped by the hard time
    # limit is a failure and is acknowledged (CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT),
    # so a task that always times out does not come back forever.
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = settings.CELERY_TASK_RETRY_BACKOFF_MAX
    retry_jitter = True
    max_retries = settings.CELERY_TASK_MAX_RETRIES


def reliable_task(*args: Any, **options: Any) -> Callable[[Callable[..., Any]], Task] | Task:
    """`shared_task` with `ReliableTask` as base: the decorator every app's tasks use.

    Options are Celery's task options (`name`, `time_limit`, `max_retries`,
    `retry_backoff_max`, ...). Used bare (`@reliable_task`) or called
    (`@reliable_task(name="dogs.register_dog_task")`).
    """
    return shared_task(*args, base=ReliableTask, **options)


def _time_limit(task: Task) -> float:
    return float(task.time_limit or current_app.conf.task_time_limit or 0)


def _backoff_ceiling(task: Task) -> float:
    """The longest wait before one retry (full jitter only ever shortens it)."""
    return float(task.retry_backoff_max if task.retry_backoff else task.default_retry_delay or 0)


def worst_case_seconds(task: Task) -> float:
    """How long a task can take from its first start to its final state.

    Every attempt may run up to the hard time limit and every retry may wait up
    to the backoff ceiling: (max_retries + 1) x time limit + max_retries x
    ceiling. For telling a client how long a 202's task may stay unfinished,
    and for choosing limits; not the broker's visibility timeout (see
    `longest_unacknowledged_seconds`).
    """
    retries = task.max_retries or 0
    return (retries + 1) * _time_limit(task) + retries * _backoff_ceiling(task)


def longest_unacknowledged_seconds(task: Task) -> float:
    """How long one message of `task` can stay delivered but unacknowledged.

    A retry is a new message (the old one is acknowledged), so a message lives
    through at most: its retry countdown (held by the worker until due), a wait
    for a free pool process (behind at most one running task, each process
    having one message, prefetch multiplier 1), and its own run. Redis
    redelivers a message unacknowledged for longer than the visibility timeout,
    so that timeout must exceed this for every task, or a slow task runs twice
    at the same time.
    """
    return _backoff_ceiling(task) + 2 * _time_limit(task)
