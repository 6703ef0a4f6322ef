"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self, delay: float, on_message: Callable[[list], None] | None) -> None:
        self.messages: list[EmailMessage] = []
        self.delay = delay
        self.on_message = on_message

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.on_message is not None:
            self.on_message(self.messages)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(
    *, delay: float = 0, on_message: Callable[[list], None] | None = None
) -> Iterator[tuple[int, list[EmailMessage]]]:
    """A server on a free port; it takes `delay` seconds over each message, and calls
    `on_message(messages so far)` once it holds a message, before answering 250."""
    inbox = _Inbox(delay, on_message)
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.messages
    finally:
        controller.stop()
