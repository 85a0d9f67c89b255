import asyncio
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port, make_settings


@pytest.fixture
def settings(database_url, tmp_path):
    # the tests run background jobs themselves (app.state.jobs.drain()), except where they say otherwise
    return make_settings(database_url, tmp_path / "data", jobs_in_process=False)


async def run_jobs(app) -> int:
    return await app.state.jobs.drain()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class MailSink:
    """What an SMTP server on loopback received; ``refuse`` makes it answer RCPT with that reply."""

    messages: list[Received] = field(default_factory=list)
    refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, sink
    finally:
        controller.stop()


async def wait_for(predicate, timeout=10.0):
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()
