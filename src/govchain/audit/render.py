"""Rendering a report: one self-contained HTML file (inline CSS and SVG) or a PDF (fpdf2).

The HTML needs no network: its style is inline, its charts are inline SVG,
and its header and totals are embedded as JSON in
``<script type="application/json" id="govchain-report">`` for machines.
The PDF is drawn with fpdf2 from the same sections, with DejaVu Sans (the
TrueType font matplotlib ships) and, where the system has one, a CJK font
as a fallback for Chinese text.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from govchain.audit.charts import bar_chart
from govchain.audit.document import DocTable, Section, header_rows, report_sections
from govchain.audit.figures import Report

__all__ = ["CJK_FONTS", "render_html", "render_pdf"]

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
"""CJK fonts looked for (Debian packages fonts-droid-fallback, fonts-wqy-*, fonts-noto-cjk)."""

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{border-bottom:2px solid #2f6f9f;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.85em}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top;
word-break:break-all}th{background:#e8f0f6}caption{text-align:left;font-weight:bold;
padding:.3em 0}.note{color:#666;font-size:.85em}.bad{color:#a00;font-weight:bold}
svg{max-width:100%;height:auto}
"""


def _charts(report: Report, fmt: str) -> list[tuple[str, bytes]]:
    found = [(f"Txs per {report.volume_unit} (UTC)",
              bar_chart(f"Txs per {report.volume_unit} (UTC)", report.volume, fmt))]  # fmt: skip
    issued = list(report.totals["assets"]["issued_by_type"].items())
    if issued:
        found.append(
            (
                "Assets issued by type",
                bar_chart("Assets issued by type", issued, fmt, horizontal=True),
            )
        )
    return found


def _html_table(table: DocTable) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return (f"<table><caption>{html.escape(table.caption)}</caption><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>{note}")  # fmt: skip


def _svg(data: bytes) -> str:
    text = data.decode("utf-8")
    return text[text.index("<svg") :]


def render_html(report: Report) -> str:
    """The report as one HTML document that needs no other file and no network."""
    embedded = json.dumps(report.machine_readable(), ensure_ascii=False, sort_keys=True)
    embedded = embedded.replace("<", "\\u003c")
    header = "".join(
        f"<tr><th>{html.escape(label)}</th><td"
        f"{' class=bad' if value.startswith('NOT VERIFIED') else ''}>"
        f"{html.escape(value)}</td></tr>"
        for label, value in header_rows(report)
    )
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>GovChain compliance report {html.escape(report.header['chain_id'])}</title>",
        f"<style>{_STYLE}</style>",
        f'<script type="application/json" id="govchain-report">{embedded}</script>',
        "</head><body>", "<h1>GovChain compliance report 合规审计报告</h1>",
        f"<table>{header}</table>",
    ]  # fmt: skip
    for section in report_sections(report):
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts.extend(f'<p class="note">{html.escape(n)}</p>' for n in section.notes)
        parts.extend(_html_table(t) for t in section.tables)
        if section.title.startswith("Totals"):
            parts.append("<h2>Charts 图表</h2>")
            parts.extend(
                f"<figure>{_svg(svg)}<figcaption>{html.escape(title)}</figcaption></figure>"
                for title, svg in _charts(report, "svg")
            )
    parts.append("</body></html>")
    return "\n".join(parts)


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("dejavu", size=7)
        self.cell(0, 8, f"GovChain compliance report · page {self.page_no()}", align="C")


def _fonts(pdf: FPDF) -> bool:
    """Load DejaVu Sans and the first CJK font found as its fallback; whether one was."""
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf.add_font("dejavu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    for path in CJK_FONTS:
        if path.is_file():
            pdf.add_font("cjk", "", str(path))
            pdf.set_fallback_fonts(["cjk"], exact_match=False)
            return True
    return False


def _pdf_table(pdf: FPDF, table: DocTable) -> None:
    pdf.set_font("dejavu", "B", 9)
    pdf.multi_cell(0, 6, table.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", size=6 if len(table.columns) > 4 else 8)
    if table.rows:
        with pdf.table(headings_style=FontFace(emphasis="BOLD", fill_color=(232, 240, 246)),
                       line_height=pdf.font_size * 1.6, text_align="LEFT") as out:  # fmt: skip
            for row in (table.columns, *table.rows):
                cells = out.row()
                for cell in row:
                    cells.cell(cell)
    if table.note:
        pdf.set_font("dejavu", size=7)
        pdf.multi_cell(0, 5, table.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _pdf_section(pdf: FPDF, section: Section) -> None:
    pdf.set_font("dejavu", "B", 12)
    pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", size=8)
    for note in section.notes:
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    for table in section.tables:
        _pdf_table(pdf, table)


def render_pdf(report: Report) -> bytes:
    """The report as a PDF document (A4), with its charts as PNG images."""
    pdf = _Pdf(format="A4")
    has_cjk = _fonts(pdf)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("dejavu", "B", 14)
    pdf.multi_cell(0, 9, "GovChain compliance report 合规审计报告", new_x="LMARGIN", new_y="NEXT")
    rows = header_rows(report)
    if not has_cjk:
        rows.append(("Note", "no CJK font found (Debian fonts-droid-fallback): Chinese text is "
                     "left blank in this PDF; the HTML report shows it"))  # fmt: skip
    _pdf_table(pdf, DocTable("Header", ("item", "value"), tuple(rows)))
    for section in report_sections(report):
        _pdf_section(pdf, section)
        if section.title.startswith("Totals"):
            pdf.add_page()
            for title, png in _charts(report, "png"):
                pdf.set_font("dejavu", "B", 9)
                pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
                pdf.image(io.BytesIO(png), w=pdf.epw)
            pdf.add_page()
    return bytes(pdf.output())
