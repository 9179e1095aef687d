"""The errors every service raises: a refused operation, or invalid values field by field."""

from __future__ import annotations


class ServiceError(ValueError):
    """A business rule refused the operation; the message is shown to the user."""


class FieldErrors(ServiceError):
    """Invalid values, field by field (`errors`: field -> message shown to the user)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = {field: str(message) for field, message in errors.items()}


class PermissionDenied(ServiceError):
    """The operation is refused to this user (the API's 403), beyond the permission table: a
    record in a state only another role may move it from."""
