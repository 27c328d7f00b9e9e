"""Benchmarks (`make bench`): ratios measured side by side in one run, never timed tests."""

from pathlib import Path


def proc_status_kb(field: str) -> int | None:
    """A /proc/self/status field in kB (Linux: "VmRSS" now, "VmHWM" the peak), or None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
