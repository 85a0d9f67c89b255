"""Time of a week, invoices list, invoice detail and its PDF for the signed-in user; other orgs' ids are 404."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.track.util import invoice, log, project
from tests.web.helpers import signed_in


async def test_week_of_time(app, client, account):
    await signed_in(app, client, account)
    proj = await project(client, account, title="Acme redesign")
    await log(
        client,
        account,
        taskName="Design review",
        durationSeconds=5400,
        date="2026-05-04",
        projectId=proj["id"],
    )
    await log(client, account, taskName="Standup", durationSeconds=900, date="2026-05-10", billable=False)
    await log(client, account, taskName="Next week work", durationSeconds=600, date="2026-05-11")
    page = await client.get("/app/time?week=2026-05-06")
    assert page.status_code == 200
    text = page.text
    assert "week of 2026-05-04" in text
    assert "Design review" in text and "Standup" in text and "Next week work" not in text
    assert "2 entries · total <strong>1:45</strong> h · billable 1:30 h" in text
    assert "Acme redesign" in text
    assert "week=2026-04-27" in text and "week=2026-05-11" in text
    assert (await client.get("/app/time?week=nope")).status_code == 400
    assert (await client.get("/app/time")).status_code == 200


async def test_invoices_list_detail_and_pdf(app, client, account, other_account):
    await signed_in(app, client, account)
    inv = await invoice(
        client, account, issueDate="2026-05-01", dueDate="2026-05-31",
        lineItems=[{"description": "Design review", "quantity": "2", "rate": "100"}],
    )  # fmt: skip
    listing = await client.get("/app/invoices")
    assert listing.status_code == 200
    assert inv["serialNumber"] in listing.text and "of 1 invoices" in listing.text
    assert (await client.get("/app/invoices?status=paid")).text.count(inv["serialNumber"]) == 0
    assert (await client.get("/app/invoices?status=bogus")).status_code == 400

    detail = await client.get(f"/app/invoices/{inv['id']}")
    assert detail.status_code == 200
    assert "Design review" in detail.text and "200.00" in detail.text
    assert f'src="/app/invoices/{inv["id"]}/pdf"' in detail.text

    pdf = await client.get(f"/app/invoices/{inv['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert inv["serialNumber"] in text and "Design review" in text

    theirs = await invoice(client, other_account, issueDate="2026-05-01")
    assert (await client.get(f"/app/invoices/{theirs['id']}")).status_code == 404
    assert (await client.get(f"/app/invoices/{theirs['id']}/pdf")).status_code == 404
    assert (
        theirs["serialNumber"] not in (await client.get("/app/invoices")).text
        or theirs["serialNumber"] == inv["serialNumber"]
    )


async def test_pdf_needs_a_session(client, account):
    inv = await invoice(client, account, issueDate="2026-05-01")
    response = await client.get(f"/app/invoices/{inv['id']}/pdf")
    assert response.status_code == 303


async def test_pdf_preview_follows_every_change(app, client, account):
    await signed_in(app, client, account)
    inv = await invoice(
        client, account, issueDate="2026-05-01",
        lineItems=[{"description": "Design review", "quantity": "2", "rate": "100"}],
    )  # fmt: skip

    def text_of(response):
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)

    first = await client.get(f"/app/invoices/{inv['id']}/pdf")
    assert "Design review" in text_of(first)
    assert (await client.get(f"/app/invoices/{inv['id']}/pdf")).content == first.content  # served again
    patched = await client.patch(
        f"/v1/invoices/{inv['id']}",
        json={"description": "Spring retainer"},
        headers={"X-API-Key": account.token},
    )
    assert patched.status_code == 200, patched.text
    team = await client.patch("/v1/team", json={"name": "Studio Lumen"}, headers={"X-API-Key": account.token})
    assert team.status_code == 200, team.text
    after = text_of(await client.get(f"/app/invoices/{inv['id']}/pdf"))
    assert "Spring retainer" in after and "Studio Lumen" in after
