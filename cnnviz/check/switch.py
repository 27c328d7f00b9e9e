"""Whether the app runs students' code: on for a loopback-only server, off otherwise; env overrides."""

from __future__ import annotations

import ipaddress

ENV = "CNNVIZ_CHECK_CODE"


def is_loopback(address: str | None) -> bool:
    """True if a server bound to `address` is reachable only from this machine ("" / None: all interfaces)."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def enabled(address: str | None, env: str | None) -> bool:
    """CNNVIZ_CHECK_CODE=on|off wins; otherwise on only when the server listens on loopback."""
    if env is not None and env.strip().lower() in ("on", "1", "true", "yes"):
        return True
    if env is not None and env.strip().lower() in ("off", "0", "false", "no"):
        return False
    return is_loopback(address)
