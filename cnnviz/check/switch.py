"""Whether a session may run students' code: the server's CNNVIZ_CHECK_CODE, its bind address, and the session.

Precedence, first match wins:
  1. CNNVIZ_CHECK_CODE=off            -> off for everyone (deploy/serve.sh, the Dockerfile and compose.yaml set it).
  2. a remote session                 -> off, unless CNNVIZ_CHECK_CODE=remote (a person who runs a server for
     others and accepts that bubblewrap is the boundary). Remote = it came through a proxy (X-Forwarded-For,
     Forwarded or X-Real-IP, which nginx sets) or from a client address that is not loopback.
  3. CNNVIZ_CHECK_CODE=on or remote   -> on (CI sets `on` for the tests).
  4. otherwise                        -> on only when the server listens on loopback alone (`make run`).
So `on` never reaches a session that came through a proxy or from another machine; `make serve` is off
whatever the environment it was started from says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

ENV = "CNNVIZ_CHECK_CODE"
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")
ON, OFF, REMOTE = ("on", "1", "true", "yes"), ("off", "0", "false", "no"), ("remote",)


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


def is_remote(headers: Mapping[str, str] | None, client_ip: str | None) -> bool:
    """A session that came through a proxy, or from a client address that is not loopback.

    No headers and no address (Streamlit's AppTest, a bare script) is not remote.
    """
    names = {str(k).lower() for k in (headers or {})}
    if names & set(PROXY_HEADERS):
        return True
    return bool(client_ip) and not is_loopback(client_ip)


def enabled(
    address: str | None,
    env: str | None,
    headers: Mapping[str, str] | None = None,
    client_ip: str | None = None,
) -> bool:
    """The precedence above: env off, then a remote session, then env on/remote, then the bind address."""
    value = (env or "").strip().lower()
    if value in OFF:
        return False
    if is_remote(headers, client_ip):
        return value in REMOTE
    if value in ON or value in REMOTE:
        return True
    return is_loopback(address)
