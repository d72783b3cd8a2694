"""What goes wrong with dumps, as the commands and the view report it."""


class DumpError(Exception):
    """A dump cannot be written or loaded as asked; the message says why."""


class InvalidDumpError(DumpError):
    """A dump file is incomplete or altered, so nothing of it is loaded."""
