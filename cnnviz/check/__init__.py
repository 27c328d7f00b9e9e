"""Check your own code (issue 12): run a student's function in a sandboxed subprocess, compare, diagnose.

source -- take the function from pasted code, a .py or an .ipynb (and set aside what cannot run);
boundary -- the bubblewrap command line and whether it works here; sandbox -- one check in bwrap, job on
stdin, results on a pipe (_runner.py is the child); wire -- reading those results as untrusted bytes;
compat -- the NumPy 1.x conversions and their notes; slots -- checks at a time; cases -- the inputs;
compare -- verdicts and cell diffs; diagnose -- the catalogue of known mistakes; switch -- whether
checking is on; inkernel -- cnnviz.check(fn) in a notebook's own kernel (no sandbox: their machine).
"""

import sys
import types


class _Checker(types.ModuleType):
    """This package, callable: cnnviz.check(fn) checks a course function in a notebook's kernel."""

    def __call__(self, fn, name=None, **kwargs):
        from cnnviz.check import inkernel

        return inkernel.check(fn, name, **kwargs)


sys.modules[__name__].__class__ = _Checker
