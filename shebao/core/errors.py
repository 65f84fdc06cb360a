"""Domain errors. Services raise these; the API and UI turn them into 4xx with Chinese messages."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule refused the request. `errors` maps field name → list of messages."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})
        if field:
            self.errors.setdefault(field, []).append(message)


class NotFoundError(ApplicationError):
    """The object does not exist or lies outside the actor's data scope (never tell which)."""

    status_code = 404


class PermissionDeniedError(ApplicationError):
    """The actor's role lacks the grant for this business item and action."""

    status_code = 403


class ConflictError(ApplicationError):
    """The object changed under us, or the state machine forbids the transition."""

    status_code = 409
