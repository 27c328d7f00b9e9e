"""Check your own code (issue 12): run a student's function in a sandboxed subprocess, compare, diagnose.

source -- take the function from pasted code, a .py or an .ipynb; sandbox -- the subprocess and its
limits (_runner.py is the child); cases -- the inputs; compare -- verdicts and cell diffs; diagnose --
the catalogue of known mistakes; switch -- whether checking is on.
"""
