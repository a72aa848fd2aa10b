"""Domain errors: services raise these; views and the API turn them into messages."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain was broken. ``code`` is stable; ``message`` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, field: str = ""):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
