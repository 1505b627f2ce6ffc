"""The PDF itself: drawn with reportlab from plain values.

Every text is escaped before it reaches reportlab's paragraph markup, so a
name or a custom message cannot inject markup (or a link) into the page.
"""

import io
from html import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _paragraph(text, style):
    return Paragraph(escape(text, quote=False).replace("\n", "<br/>"), style)


def render(document):
    """Return the bytes of the PDF for ``document``, a dict with ``title``,
    ``fullname``, ``panel_url``, ``username``, ``password`` or
    ``set_password_url``, ``custom_message`` and ``connection`` (a list of
    ``(service, server, port, security)`` rows, possibly empty).
    """
    styles = getSampleStyleSheet()
    output = io.BytesIO()
    pdf = SimpleDocTemplate(
        output,
        pagesize=A4,
        title=document["title"],
        author="Modoboa",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    story = [
        _paragraph(document["title"], styles["Title"]),
        Spacer(1, 0.5 * cm),
        _paragraph(_("Hello %s,") % document["fullname"], styles["Normal"]),
        Spacer(1, 0.3 * cm),
        _paragraph(
            _("Here is the information you need to access your mail account."),
            styles["Normal"],
        ),
        Spacer(1, 0.5 * cm),
    ]
    rows = [
        [_("Web panel"), document["panel_url"]],
        [_("Username"), document["username"]],
    ]
    if document.get("password"):
        rows.append([_("Password"), document["password"]])
    table = Table(
        [
            [_paragraph(label, styles["Normal"]), _paragraph(value, styles["Code"])]
            for label, value in rows
        ],
        colWidths=[4 * cm, 13 * cm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 0.5 * cm)]
    if document.get("password"):
        story.append(
            _paragraph(
                _("For security reasons, change this password after your first login."),
                styles["Normal"],
            )
        )
    else:
        story += [
            _paragraph(
                _("Choose your password by opening this link (it works only once):"),
                styles["Normal"],
            ),
            Spacer(1, 0.2 * cm),
            _paragraph(document["set_password_url"], styles["Code"]),
        ]
    if document.get("connection"):
        story += [
            Spacer(1, 0.5 * cm),
            _paragraph(_("Connection settings of your mail client"), styles["Heading3"]),
        ]
        header = [_("Service"), _("Server"), _("Port"), _("Security")]
        table = Table(
            [header] + [[str(cell) for cell in row] for row in document["connection"]],
            colWidths=[3 * cm, 8 * cm, 2 * cm, 4 * cm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story.append(table)
    if document.get("custom_message"):
        story += [Spacer(1, 0.8 * cm), _paragraph(document["custom_message"], styles["Italic"])]
    pdf.build(story)
    return output.getvalue()
