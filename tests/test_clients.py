"""Client addresses: X-Forwarded-For is believed only from TRUSTED_PROXIES, the same way
for IPv4, IPv6 and IPv4-mapped addresses (core.clients)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from core.clients import client_address

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
NONE: tuple = ()


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        # Nobody trusted: the connection's own address, whatever the header claims.
        ("::1", ["203.0.113.9"], NONE, "::1"),
        ("127.0.0.1", ["203.0.113.9"], NONE, "127.0.0.1"),
        ("::ffff:127.0.0.1", ["203.0.113.9"], NONE, "127.0.0.1"),
        ("198.51.100.7", ["203.0.113.9"], NONE, "198.51.100.7"),
        # A trusted proxy: the address it appended (the rightmost hop).
        ("127.0.0.1", ["203.0.113.9"], LOOPBACK, "203.0.113.9"),
        ("::ffff:127.0.0.1", ["203.0.113.9"], LOOPBACK, "203.0.113.9"),
        ("::1", ["2001:db8::5"], LOOPBACK, "2001:db8::5"),
        ("::1", ["::ffff:203.0.113.9"], LOOPBACK, "203.0.113.9"),
        # What a client wrote before the proxy's own hop is never believed.
        ("127.0.0.1", ["1.2.3.4, 203.0.113.9"], LOOPBACK, "203.0.113.9"),
        ("127.0.0.1", ["1.2.3.4", "203.0.113.9"], LOOPBACK, "203.0.113.9"),
        # Two trusted proxies in a row are both skipped.
        ("10.0.0.2", ["203.0.113.9, 10.0.0.1"], (ip_network("10.0.0.0/8"),), "203.0.113.9"),
        # A trusted proxy that sent no header, or rubbish: itself.
        ("127.0.0.1", [], LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", ["not-an-address"], LOOPBACK, "127.0.0.1"),
        ("[::1]", [], NONE, "::1"),
    ],
)
def test_the_client_address_believes_only_trusted_proxies(peer, forwarded, proxies, expected):
    assert client_address(peer, forwarded, proxies) == expected
