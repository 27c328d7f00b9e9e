"""The lessons, once: their files, titles, URL paths and what each is about.

Pure data (no Streamlit), read by app.py's router, the home page, the tests and the benches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One page: `path` is relative to the project root, `url_path` is its address ("" for home)."""

    path: str
    title: str
    url_path: str
    blurb: str = ""
    animated: bool = False  # has a lesson player (a storyboard)

    @property
    def key(self) -> str:
        return self.url_path or "home"


HOME = Lesson("lessons/home.py", "Start here", "")
LESSONS: tuple[Lesson, ...] = (
    Lesson("lessons/zero_padding.py", "1. Zero padding", "zero_padding", "the ring of zeros", True),
    Lesson("lessons/convolution.py", "2. Convolution", "convolution", "window × filter, summed, + b", True),
    Lesson("lessons/pooling.py", "3. Pooling", "pooling", "max or average, ties marked", True),
    Lesson(
        "lessons/conv_backward.py",
        "4. Convolution backward",
        "conv_backward",
        "dZ scattered into dA_prev, dW, db",
        True,
    ),
    Lesson("lessons/pool_backward.py", "5. Pooling backward", "pool_backward", "masks and distributed values", True),
    Lesson("lessons/feature_maps.py", "6. Feature maps", "feature_maps", "a photo through filters, ReLU, pooling"),
    Lesson(
        "lessons/transposed_conv.py",
        "7. Transposed convolution",
        "transposed_conv",
        "each input cell scatters a filter: conv_backward's dA_prev",
        True,
    ),
)
PAGES: tuple[Lesson, ...] = (HOME, *LESSONS)
ANIMATED: tuple[Lesson, ...] = tuple(lesson for lesson in LESSONS if lesson.animated)


def by_key(key: str) -> Lesson:
    """The page whose key (url_path, "home" for the start page) is `key`."""
    for lesson in PAGES:
        if lesson.key == key:
            return lesson
    raise KeyError(f"no lesson {key!r}; known: {', '.join(page.key for page in PAGES)}")
