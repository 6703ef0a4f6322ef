"""Who is asking: a request's client address, believing X-Forwarded-For only from the
reverse proxies named in TRUSTED_PROXIES.

Addresses are compared as addresses, not strings: ::ffff:127.0.0.1 (what a dual-stack
socket reports for an IPv4 client) is 127.0.0.1, and ::1 is trusted only if listed.
The forwarded chain is read from the right: each hop that is a trusted proxy is
skipped, and the first address that is not is the client (a client can put anything it
likes at the left of the header, so the left is never believed on its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

Network = IPv4Network | IPv6Network


def normalise_address(text: str | None) -> IPv4Address | IPv6Address | None:
    """An address as an address (IPv4-mapped IPv6 folded to IPv4, zone and brackets
    dropped), or None for anything that is not one."""
    raw = (text or "").strip().strip("[]").split("%", 1)[0]
    try:
        address = ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPv4Address | IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[Network]
) -> str:
    """The client's address as text: the connection's own address, unless it is a
    trusted proxy, in which case X-Forwarded-For (every header line, in order) is
    walked from the right past trusted proxies. An unreadable hop ends the walk at the
    last address we could read."""
    current = normalise_address(peer)
    if current is None:
        return (peer or "").strip() or "unknown"
    hops = [hop for line in forwarded_for for hop in line.split(",") if hop.strip()]
    while _trusted(current, proxies) and hops:
        previous = normalise_address(hops.pop())
        if previous is None:
            break
        current = previous
    return str(current)
