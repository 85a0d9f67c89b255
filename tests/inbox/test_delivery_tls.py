"""Delivery with the default security: STARTTLS (required) and a login, against a real server on loopback."""

import shutil
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port, make_settings
from tests.inbox.conftest import MailSink, run_jobs

DRAFTS = "/v1/drafts"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    assert shutil.which("openssl"), "the openssl command is needed to make a test certificate"
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_server(certificate):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = MailSink()
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"loop",
            b"s3cret",
        )
        logins.append((auth_data.login, ok, session.ssl is not None))
        return AuthResult(success=ok, handled=False)  # let the server answer 235 or 535

    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
        authenticator=authenticate, auth_require_tls=True, auth_required=True,
    )  # fmt: skip
    controller.start()
    try:
        yield controller, sink, logins
    finally:
        controller.stop()


@pytest.fixture
def password():
    return "s3cret"


@pytest.fixture
def settings(database_url, tmp_path, tls_server, password):
    controller, _, _ = tls_server
    return make_settings(
        database_url,
        tmp_path / "data",
        jobs_in_process=False,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_username="loop",
        smtp_password=password,
        smtp_validate_certs=False,  # a self-signed test certificate
        smtp_from="support@acme.example.com",
        smtp_timeout_s=5,
    )


async def _send(client, account):
    response = await client.post(
        DRAFTS,
        json={"subject": "Over TLS", "body": "Hi", "to_fields": [{"address": "a@example.com"}], "send": True},
        headers=account.headers,
    )
    assert response.status_code == 201
    return response.json()["drafts"]["id"]


async def test_starttls_and_login(app, client, account, tls_server):
    _, sink, logins = tls_server
    draft_id = await _send(client, account)
    await run_jobs(app)
    draft = (await client.get(f"{DRAFTS}/{draft_id}", headers=account.headers)).json()["drafts"]
    assert draft["status"] == "sent", draft
    assert logins == [(b"loop", True, True)]  # logged in, over TLS
    assert len(sink.messages) == 1 and sink.messages[0].rcpt_tos == ["a@example.com"]


@pytest.mark.parametrize("password", ["wrong"])
async def test_a_refused_login_fails_the_draft(app, client, account, tls_server, password):
    _, sink, _ = tls_server
    draft_id = await _send(client, account)
    assert await run_jobs(app) == 1  # no retry: the credentials will not get better
    draft = (await client.get(f"{DRAFTS}/{draft_id}", headers=account.headers)).json()["drafts"]
    assert draft["status"] == "failed" and draft["error"].startswith("SMTP authentication failed: 535")
    assert sink.messages == []
