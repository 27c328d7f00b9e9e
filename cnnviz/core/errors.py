"""The one error type a person sees: bad settings, arrays or files, with the numbers and a fix."""


class InputError(ValueError):
    """A setting, array or file given by a person that cannot be used.

    Only this is shown on the page as an error message; any other exception is a bug in cnnviz.
    A subclass of ValueError, so code written against the course's functions still catches it.
    """
