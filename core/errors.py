"""The few errors core raises; pages show their message, never a traceback."""


class PortalError(Exception):
    """An error whose message is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PortalError):
    """Nothing by that id that this user may see (other centres' records answer the same)."""


class PermissionDenied(PortalError):
    """The user is signed in but their role may not do this."""


class InvalidInput(PortalError):
    """The input was refused; nothing was changed."""
