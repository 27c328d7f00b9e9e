"""The app's settings: their ranges and defaults, and parsing untrusted query strings into them.

Pure Python (no Streamlit): the sidebar builds its widgets from SPECS, and a shared link's
`?f=3&stride=2` goes through `parse_query`, which never raises. Anything it cannot use is
dropped with a warning a person can read; numbers outside a control's range are clamped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cnnviz.core import course

SAMPLE_CHOICES = ("digit", "checkerboard", "disc", "scene")
SPEEDS = {"slow": 1400, "normal": 700, "fast": 300}  # milliseconds per frame


@dataclass(frozen=True)
class Spec:
    """One setting: an int in [lo, hi] or one of `choices`."""

    key: str
    label: str
    default: int | str
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


SPECS: dict[str, Spec] = {
    s.key: s
    for s in (
        Spec(
            "source",
            "Input",
            "random",
            choices=("random", "sample", "upload", "course", "mine"),
            help="What A_prev is made of: random numbers, a picture, the course notebook's own example, your arrays",
        ),
        Spec("values", "Values", "normal", choices=("normal", "integers"), help="integers make max-pool ties likely"),
        Spec("seed", "Seed", 1, 0, 9999, help="np.random.seed for the random tensor"),
        Spec("m", "m (examples)", 2, 1, 10),
        Spec("n_H_prev", "n_H_prev (height)", 8, 3, 16),
        Spec("n_W_prev", "n_W_prev (width)", 8, 3, 16),
        Spec("n_C_prev", "n_C_prev (channels)", 3, 1, 4),
        Spec("sample", "Sample image", "digit", choices=SAMPLE_CHOICES),
        Spec("f", "f (filter size)", 3, 1, 7),
        Spec("stride", "stride", 1, 1, 4),
        Spec("pad", "pad", 1, 0, 3),
        Spec(
            "dilation",
            "dilation",
            1,
            1,
            3,
            help="The step between a window's cells: 1 reads adjacent cells, 2 leaves one hole between them, ...",
        ),
        Spec(
            "output_padding",
            "output_padding",
            0,
            0,
            3,
            help="Transposed convolution: extra output rows/columns at the bottom/right (0..stride-1)",
        ),
        Spec("n_C", "n_C (filters)", 4, 1, 8),
        Spec("pool_f", "pool f", 2, 1, 6),
        Spec("pool_stride", "pool stride", 2, 1, 4),
        Spec("mode", "pool mode", "max", choices=("max", "average")),
        Spec("grad", "upstream gradient", "random", choices=("random", "ones"), help="dZ / dA fed to backward"),
        Spec("i", "i (example shown)", 0, 0, 9),
        Spec("c", "c (channel shown)", 0, 0, 7),
        Spec("speed", "Animation speed", "normal", choices=tuple(SPEEDS)),
        # 0-based in the app (the board's step index); a link counts from 1, as the player shows it.
        Spec("step", "step", 0, 0, 4095),
        # the course's examples, the tie rule, precision.
        Spec("version", "Notebook version", course.VERSIONS[0], choices=course.VERSIONS, help="Newest first"),
        Spec("case", "Course example", 1, 1, 2, help="The notebook's case 1 / case 2 where a cell has two"),
        Spec(
            "ties",
            "Max-pool tie rule",
            "first",
            choices=("all", "first"),
            help="Which tied maxima of a window get its gradient",
        ),
        Spec("decimals", "Decimals", "2", choices=("2", "4", "8"), help="Digits shown in cells; hover shows all"),
        Spec("present", "Presentation mode", 0, 0, 1, help="Prose hidden, sidebar collapsed, a big player; Esc leaves"),
    )
}

DEFAULTS: dict[str, int | str] = {k: s.default for k, s in SPECS.items()}


def _shown(raw: str, limit: int = 24) -> str:
    """A raw query value made safe to show in Markdown: no backticks, short, inside a code span."""
    text = raw.replace("`", "'").replace("\n", " ")
    if len(text) > limit:
        text = text[:limit] + "..."
    return f"`{text}`"


def parse_value(spec: Spec, raw: str) -> tuple[int | str | None, str | None]:
    """Parse one raw query string for `spec`: (value or None if unusable, warning or None)."""
    raw = raw.strip()
    if spec.is_choice:
        if raw in spec.choices:
            return raw, None
        options = ", ".join(spec.choices)
        return None, f"Ignored {spec.key}={_shown(raw)}: not one of {options}."
    try:
        value = int(raw, 10)
    except ValueError:
        return None, f"Ignored {spec.key}={_shown(raw)}: not a whole number."
    if value < spec.lo or value > spec.hi:
        clamped = min(max(value, spec.lo), spec.hi)
        return clamped, f"{spec.key}={_shown(raw)} is outside {spec.lo}..{spec.hi}; using {clamped}."
    return value, None


def parse_query(query: Mapping[str, object]) -> tuple[dict[str, int | str], list[str]]:
    """Settings found in a URL query (untrusted), and warnings for what was clamped or ignored.

    Only keys of SPECS are read; unknown keys are ignored silently (other tools add their own).
    A repeated key uses its last value.
    """
    values: dict[str, int | str] = {}
    warnings: list[str] = []
    for key, spec in SPECS.items():
        if key not in query:
            continue
        raw = query[key]
        if isinstance(raw, list | tuple):
            raw = raw[-1] if raw else ""
        if key == "step":
            value, warning = _parse_step(str(raw))
        else:
            value, warning = parse_value(spec, str(raw))
        if warning:
            warnings.append(warning)
        if value is not None:
            values[key] = value
    return values, warnings


def _parse_step(raw: str) -> tuple[int | None, str | None]:
    """A link's `step`, counted from 1 as the player shows it, as the app's 0-based index.

    Links made before steps counted from 1 said step=0 for the first step: 0 still opens the first
    step, without a warning (any other old link opens one step earlier than it did).
    """
    spec = SPECS["step"]
    shown = Spec("step", spec.label, spec.default + 1, spec.lo + 1, spec.hi + 1)
    if raw.strip() == "0":
        return 0, None
    value, warning = parse_value(shown, raw)
    return (None if value is None else value - 1), warning


def to_query(settings: Mapping[str, int | str]) -> dict[str, str]:
    """The query parameters for a link: every known setting that differs from its default (step from 1)."""
    query = {k: str(v) for k, v in settings.items() if k in SPECS and v != DEFAULTS[k]}
    if "step" in query:
        query["step"] = str(int(settings["step"]) + 1)
    return query


def frame_ms(speed: str) -> int:
    """Milliseconds per animation frame for a speed name."""
    return SPEEDS.get(speed, SPEEDS["normal"])
