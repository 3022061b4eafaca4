"""What the records' functions raise when a change is refused; nothing was written."""


class NotAllowed(Exception):
    """A change the rules do not allow, with the Korean message to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class BatchInvalid(Exception):
    """A batch broke the rules: {row index: [LogError]}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors
