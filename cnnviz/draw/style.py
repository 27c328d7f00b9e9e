"""The renderers' name for cnnviz.steps.style (colours, fmt, tie wording, legend), defined there once."""

from cnnviz.steps.style import *  # noqa: F403
from cnnviz.steps.style import __all__  # noqa: F401
