"""The one exception type a user can cause: the CLI prints it as one line and exits with code 2."""


class UserError(Exception):
    """Bad input from the user (config, paths, dataset names, checkpoints). Message is one line."""

    exit_code = 2
