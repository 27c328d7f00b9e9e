"""Check your own code (issue 12): run a student's function in a sandboxed subprocess, compare, diagnose.

source -- take the function from pasted code, a .py or an .ipynb; sandbox -- the subprocess and its
limits (_runner.py is the child); cases -- the inputs; compare -- verdicts and cell diffs; diagnose --
the catalogue of known mistakes; switch -- whether checking is on.
"""

import sys
import types


class _Checker(types.ModuleType):
    """This package, callable: cnnviz.check(fn) checks a course function in a notebook's kernel."""

    def __call__(self, fn, name=None, **kwargs):
        from cnnviz.check import inkernel

        return inkernel.check(fn, name, **kwargs)


sys.modules[__name__].__class__ = _Checker
