"""One exception type for user mistakes, so the CLI can print one line and exit 2."""


class WormGnnError(Exception):
    """A problem with the user's input: printed as one line, never as a traceback."""


class DataError(WormGnnError):
    """A file that cannot be read as a recording; the message names the file."""

    def __init__(self, path: object, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")
