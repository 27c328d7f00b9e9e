"""One check end to end: source -> cases -> sandbox -> verdicts -> diagnosis, first window and marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnviz.check import cases as _cases
from cnnviz.check import compare, compat, diagnose, sandbox, slots, source


@dataclass
class Report:
    """What the panel shows: per-case verdicts, the diagnosis, the first differing window, marks."""

    function: str
    verdicts: list[compare.Verdict]
    diagnosis: list[str]
    first: dict[str, Any] | None
    marks: dict[str, Any]
    ended: str
    protections: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # NumPy 1.x conversions made, lines set aside
    waited: float = 0.0  # seconds in line for a free check slot

    @property
    def passed(self) -> bool:
        return all(v.verdict == "matches" for v in self.verdicts)


def check(
    function: str,
    text: str,
    inputs: dict[str, Any],
    filename: str = "pasted code",
    ties: str = "first",
    i: int = 0,
    c: int = 0,
    limits: sandbox.Limits | None = None,
    session: str = "",
) -> Report:
    """Check the student's `function` (from `text`) on the lesson's inputs, the course's cells and extras.

    session -- who asks (one check at a time each; the server runs at most slots.SLOTS at once)

    Raises InputError for code that cannot be read (syntax error, no such function), when the checker
    is busy (slots.BusyError) or cannot run here (boundary.NoSandboxError).
    """
    chunks, set_aside = source.read(text, function, filename)
    cs = _cases.build(function, inputs, ties)
    with slots.slot(session or f"anonymous-{id(chunks)}") as waited:
        run = sandbox.run(chunks, function, [c_.args for c_ in cs], _cases.helpers(ties), limits or sandbox.Limits())
    verdicts = [compare.safe_judge(function, case, res, run.ended) for case, res in zip(cs, run.cases, strict=True)]
    lesson = next((k for k, case in enumerate(cs) if case.lesson), None)
    first = marks = None
    if lesson is not None and verdicts[lesson].diffs:
        first = compare.first_window(function, cs[lesson], verdicts[lesson], i, c)
        marks = compare.marks(function, verdicts[lesson], i, c)
    return Report(
        function,
        verdicts,
        diagnose.diagnose(function, cs, verdicts),
        first,
        marks or {},
        run.ended,
        run.protections,
        run.seconds,
        set_aside + compat.notes(run.cases, function),
        waited,
    )
