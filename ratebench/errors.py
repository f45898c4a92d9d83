"""Errors every command shares."""


class UserError(Exception):
    """A problem with the user's input (a file, a flag, a value): one line, exit code 2."""
