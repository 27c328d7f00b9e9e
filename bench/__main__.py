"""Run every bench/bench_*.py module's main() in turn: `python -m bench [name ...] [--option ...]`.

Options (from the first argument that starts with "-") go to the chosen benches' main(options),
e.g. `python -m bench classroom --users 30 --seconds 60`."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    cut = next((k for k, a in enumerate(argv) if a.startswith("-")), len(argv))
    argv, options = argv[:cut], argv[cut:]
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main(options) if options else module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
