class ServiceError(Exception):
    """A rule refused the change; the message is fit to show the user and
    `code` tells callers and tests which rule it was."""

    def __init__(self, message, *, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code
