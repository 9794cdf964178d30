"""Domain errors raised by services; their message is shown to the user, in the user's language."""


class ServiceError(Exception):
    """A refused action; `message` explains it to the user; `field`, if given, names the service's argument at fault
    (a form with a field of that name shows the message under it); `label`, the words naming that field in the message
    (the form's label), which the API replaces with the field's own name."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None, label: str | None = None):
        # A lazily translated message (a module-level constant) is translated now, for the current user.
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.label = str(label) if label is not None else None

    def message_naming(self, field: str) -> str:
        """The message with the field named `field` where it names it by its label (« Le champ « Objet » … », in
        English « The field “Subject” … »)."""
        return self.message.replace(self.label, field, 1) if self.label else self.message


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


class RateLimited(ServiceError):
    """Too many actions of one kind in a period (questions filed online in a day); `retry_after`: seconds until the
    next one is allowed."""

    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
