"""Dashboard sign-in: password, session cookie, CSRF, sign-out, expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from loop.core.clock import utcnow
from loop.web.models import WebSession
from loop.web.passwords import hash_password, needs_rehash, verify_password
from loop.web.sessions import SESSION_COOKIE
from tests.web.helpers import PASSWORD, csrf_of, give_password, sign_in, signed_in


def test_password_hash_round_trip():
    stored = hash_password("s3cret-pass")
    assert stored.startswith("scrypt$")
    assert "s3cret-pass" not in stored
    assert verify_password("s3cret-pass", stored)
    assert not verify_password("s3cret-pasS", stored)
    assert not verify_password("x", None)
    assert not verify_password("x", "garbage")
    assert not needs_rehash(stored)
    assert needs_rehash(hash_password("a", n=2**10))


async def test_pages_redirect_to_sign_in(client):
    response = await client.get("/app/issues?status=todo")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?next=%2Fapp%2Fissues%3Fstatus%3Dtodo"


async def test_sign_in_sets_a_secure_session_cookie(app, client, account):
    await give_password(app, account.user)
    response = await sign_in(client, account.user.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/app"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http in tests; https sets Secure
    home = await client.get("/app")
    assert home.status_code == 200, home.text[-600:]
    assert account.user.email.split("@")[0] in home.text
    assert "Sign out" in home.text


async def test_secure_cookie_over_https(app, account):
    import httpx2

    await give_password(app, account.user)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="https://testserver") as https:
        response = await sign_in(https, account.user.email)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie


async def test_wrong_password_and_unknown_email(app, client, account):
    await give_password(app, account.user)
    wrong = await sign_in(client, account.user.email, "not the password")
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    unknown = await sign_in(client, "nobody@example.com", PASSWORD)
    assert unknown.status_code == 401
    assert "Wrong email or password" in unknown.text
    assert (await client.get("/app")).status_code == 303


async def test_user_without_password_cannot_sign_in(client, account):
    response = await sign_in(client, account.user.email, "")
    assert response.status_code == 401


async def test_sign_in_form_needs_its_csrf_token(app, client, account):
    await give_password(app, account.user)
    await client.get("/app/login")
    response = await client.post(
        "/app/login", data={"email": account.user.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert (await client.get("/app")).status_code == 303


async def test_next_only_inside_the_dashboard(app, client, account):
    await give_password(app, account.user)
    page = await client.get("/app/login")
    response = await client.post(
        "/app/login",
        data={
            "email": account.user.email,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/app"


async def test_post_without_csrf_is_refused(app, client, account):
    csrf = await signed_in(app, client, account)
    refused = await client.post("/app/logout", data={})
    assert refused.status_code == 403
    assert "csrf_failed" in refused.text
    wrong = await client.post("/app/logout", data={"csrf_token": "x" + csrf})
    assert wrong.status_code == 403
    assert (await client.get("/app")).status_code == 200  # still signed in


async def test_sign_out_ends_the_session_for_good(app, client, account):
    csrf = await signed_in(app, client, account)
    cookie = client.cookies.get(SESSION_COOKIE)
    response = await client.post("/app/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert (await client.get("/app")).status_code == 303
    # Replaying the old cookie does not bring the session back.
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    assert (await client.get("/app")).status_code == 303


async def test_expired_session_signs_out(app, client, account):
    await signed_in(app, client, account)
    async with app.state.database.write() as session:
        await session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await client.get("/app")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/app/login")


async def test_tampered_cookie_is_refused(app, client, account):
    await signed_in(app, client, account)
    cookie = client.cookies.get(SESSION_COOKIE)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie[:-2] + ("00" if not cookie.endswith("00") else "11"))
    assert (await client.get("/app")).status_code == 303


async def test_sign_in_attempts_are_rate_limited(tmp_path, database_url, factory):
    import httpx2

    from loop.app import create_app
    from tests.conftest import make_settings

    limited = create_app(
        make_settings(database_url, tmp_path / "data", rate_limit_enabled=True, signin_rate_limit="3/minute")
    )
    async with limited.router.lifespan_context(limited):
        user_account = await factory.account()
        await give_password(limited, user_account.user)
        transport = httpx2.ASGITransport(app=limited)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(3):
                assert (await sign_in(http, user_account.user.email, "wrong guess")).status_code == 401
            blocked = await sign_in(http, user_account.user.email, PASSWORD)
            assert blocked.status_code == 429
            assert "Too many sign-in attempts" in blocked.text and "Retry-After" in blocked.headers
            assert (await http.get("/app")).status_code == 303


async def test_unknown_dashboard_page_is_an_html_404(app, client, account):
    await signed_in(app, client, account)
    response = await client.get("/app/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no such page" in response.text
