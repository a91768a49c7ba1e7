"""The application layer: the CLI commands and the Action entry. The only code that crosses stages."""


class UsageError(Exception):
    """Bad arguments, config or input files: one clear line and exit code 2."""
