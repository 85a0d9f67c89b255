"""The invoice PDF (fpdf2, with the bundled DejaVu Sans so that €, £ and every other character prints).

``render_invoice`` is pure and CPU-bound: callers run it in a worker thread.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from loop.invoices.money import display

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
BAND = (241, 243, 245)
ACCENT = (28, 76, 140)

BANK_LABELS = (
    ("bankName", "Bank"),
    ("accountName", "Account name"),
    ("accountNumber", "Account number"),
    ("branchCode", "Branch code"),
    ("sortCode", "Sort code"),
    ("routingNumber", "Routing number"),
    ("iban", "IBAN"),
    ("swift", "SWIFT/BIC"),
    ("reference", "Reference"),
)
STATUS_STAMPS = {"PAID": "PAID", "VOID": "VOID", "PAID_PARTIAL": "PART PAID", "OVERDUE": "OVERDUE"}


def _day(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def _address_lines(address: dict[str, Any] | None) -> list[str]:
    if not address:
        return []
    town = " ".join(str(p) for p in (address.get("city"), address.get("postalCode")) if p)
    parts = [address.get("line1"), address.get("line2"), town, address.get("region"), address.get("country")]
    return [str(p) for p in parts if p]


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def render_invoice(invoice: dict[str, Any], organisation: dict[str, Any]) -> bytes:
    """``invoice`` is the API representation (``invoice_to_api``); ``organisation`` has name, address and
    bankDetails."""
    currency = invoice["currency"]

    def money(value: str) -> str:
        return display(Decimal(value), currency)

    pdf = _Document(format="A4", unit="mm")
    pdf.set_title(f"Invoice {invoice['serialNumber']}")
    pdf.set_author(organisation.get("name") or "")
    pdf.set_creator("Loop")
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=22)
    pdf.footer_text = f"{organisation.get('name') or ''} · {invoice['serialNumber']}"
    pdf.add_page()
    width = pdf.epw
    left = pdf.l_margin
    half = width / 2

    # -- heading: who bills (left), what this is (right) ---------------------------------------------------
    top = pdf.get_y()
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", 15)
    pdf.multi_cell(half, 7, organisation.get("name") or "", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    for line in _address_lines(organisation.get("address")):
        pdf.multi_cell(half, 4.6, line, new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    pdf.set_xy(left + half, top)
    pdf.set_font(FAMILY, "B", 22)
    pdf.set_text_color(*ACCENT)
    pdf.cell(half, 10, "INVOICE", align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(half, 6, invoice["serialNumber"], align="R", new_x="LEFT", new_y="NEXT")
    stamp = STATUS_STAMPS.get(invoice["status"])
    if stamp:
        pdf.set_font(FAMILY, "B", 10)
        pdf.set_text_color(*(ACCENT if stamp != "OVERDUE" else (176, 42, 55)))
        pdf.cell(half, 6, stamp, align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

    # -- billed to (left), dates and amount due (right) ----------------------------------------------------
    top = pdf.get_y()
    client = invoice.get("client") or {}
    pdf.set_font(FAMILY, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(half, 5, "BILLED TO", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.multi_cell(half - 6, 5.5, client.get("name") or "", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    extra = [client.get("email"), client.get("phone")]
    vat = client.get("vatNumber")
    for line in [*_address_lines(client.get("address")), *[e for e in extra if e]] + (
        [f"VAT {vat}"] if vat else []
    ):
        pdf.multi_cell(half - 6, 4.6, line, new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    facts = [("Issue date", _day(invoice["issueDate"])), ("Due date", _day(invoice.get("dueDate")))]
    if invoice.get("expiryDate"):
        facts.append(("Pay by", _day(invoice["expiryDate"])))
    facts.append(("Amount due", money(invoice["balanceDue"])))
    pdf.set_xy(left + half, top)
    for number, (label, value) in enumerate(facts):
        last = number == len(facts) - 1
        pdf.set_x(left + half)
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(half / 2, 6, label, align="L")
        pdf.set_font(FAMILY, "B", 11 if last else 9)
        pdf.set_text_color(*INK)
        pdf.cell(half / 2, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)

    if invoice.get("description"):
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 5.5, invoice["description"], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

    # -- lines ---------------------------------------------------------------------------------------------
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    heading = FontFace(emphasis="BOLD", color=MUTED, fill_color=BAND, size_pt=8)
    with pdf.table(
        col_widths=(width * 0.52, width * 0.12, width * 0.17, width * 0.19),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=heading,
        borders_layout="HORIZONTAL_LINES",
        line_height=5.2,
        padding=(2.2, 1.5),
        width=width,
    ) as table:
        row = table.row()
        for title in ("DESCRIPTION", "QTY", "RATE", "AMOUNT"):
            row.cell(title)
        for item in invoice["lineItems"]:
            row = table.row()
            row.cell(item["description"])
            row.cell(item["quantity"])
            row.cell(display(Decimal(item["rate"]), currency, keep_places=True))
            row.cell(money(item["amount"]))
    pdf.ln(4)

    # -- totals --------------------------------------------------------------------------------------------
    rows = [("Subtotal", money(invoice["subtotal"]), False)]
    rows.append((f"Tax ({invoice['taxPercent']}%)", money(invoice["tax"]), False))
    rows.append(("Total", money(invoice["total"]), True))
    if Decimal(invoice["amountPaid"]) > 0:
        rows.append(("Paid", money(invoice["amountPaid"]), False))
        rows.append(("Balance due", money(invoice["balanceDue"]), True))
    label_x = left + width * 0.55
    for label, value, strong in rows:
        if pdf.will_page_break(8):
            pdf.add_page()
        pdf.set_x(label_x)
        pdf.set_font(FAMILY, "B" if strong else "", 11 if strong else 9.5)
        pdf.set_text_color(*(INK if strong else MUTED))
        pdf.cell(width * 0.22, 7, label, align="L")
        pdf.set_text_color(*INK)
        pdf.cell(width * 0.23, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")
        if strong:
            pdf.set_draw_color(*RULE)
            pdf.line(label_x, pdf.get_y(), left + width, pdf.get_y())
    pdf.ln(6)

    # -- how to pay ----------------------------------------------------------------------------------------
    bank = organisation.get("bankDetails") or {}
    bank_rows = [(label, str(bank[key])) for key, label in BANK_LABELS if bank.get(key)]
    if bank_rows and not any(key == "reference" and bank.get(key) for key, _ in BANK_LABELS):
        bank_rows.append(("Reference", invoice["serialNumber"]))
    if bank_rows or invoice.get("payUrl"):
        if pdf.will_page_break(12 + 5 * len(bank_rows)):
            pdf.add_page()
        pdf.set_font(FAMILY, "B", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 5, "PAYMENT DETAILS", new_x="LMARGIN", new_y="NEXT")
        for label, value in bank_rows:
            pdf.set_font(FAMILY, "", 9)
            pdf.set_text_color(*MUTED)
            pdf.cell(40, 5, label)
            pdf.set_text_color(*INK)
            pdf.multi_cell(width - 40, 5, value, new_x="LMARGIN", new_y="NEXT")
        if invoice.get("payUrl"):
            pdf.set_font(FAMILY, "", 9)
            pdf.set_text_color(*MUTED)
            pdf.cell(40, 5, "Pay online")
            pdf.set_text_color(*ACCENT)
            pdf.multi_cell(
                width - 40, 5, invoice["payUrl"], link=invoice["payUrl"], new_x="LMARGIN", new_y="NEXT"
            )
        pdf.ln(4)

    if invoice.get("notes"):
        pdf.set_font(FAMILY, "B", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 5, "NOTES", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 4.8, invoice["notes"], new_x="LMARGIN", new_y="NEXT")

    return bytes(pdf.output())
