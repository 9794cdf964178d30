"""Domain errors raised by services; their message is French and shown to the user."""


class ServiceError(Exception):
    """A refused action; `message` explains it to the user."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """The submitted values are not acceptable."""


class Forbidden(ServiceError):
    """The user may see the object but not do this."""

    status_code = 403


class NotFound(ServiceError):
    """The object does not exist or the user may not know it exists."""

    status_code = 404


class Conflict(ServiceError):
    """Someone else changed the object first (e.g. claimed the question)."""

    status_code = 409
