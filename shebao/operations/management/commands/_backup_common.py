"""Shared bits of the backup commands: the acting user and Chinese error output."""

from __future__ import annotations

from django.core.management.base import CommandError

from shebao.core.errors import ApplicationError


def actor_for(username: str | None):
    """The user named by --user (None: the system acts)."""
    if not username:
        return None
    from shebao.core.models import User

    try:
        return User.objects.select_related("agency").get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"用户 {username} 不存在") from None


def command_error(exc: ApplicationError) -> CommandError:
    """An ApplicationError as a CommandError (non-zero exit) with its Chinese message."""
    return CommandError(exc.message)
