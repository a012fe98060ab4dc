# -*- coding: utf-8 -*-
"""python-docx builders, one function per layout. Each writes the .docx to `out`."""
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from common import T, edu_line, edu_year, fmt_range, skill_items
from html_templates import contact_items, group_roles


def new_doc(r, font="Calibri", size=10.5, margins=(18, 18, 18, 18)):
    d = Document()
    s = d.sections[0]
    if r["paper"] == "letter":
        s.page_width, s.page_height = Mm(215.9), Mm(279.4)
    else:
        s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.right_margin, s.bottom_margin, s.left_margin = [Mm(x) for x in margins]
    st = d.styles["Normal"]
    st.font.name = font
    st.font.size = Pt(size)
    st.element.rPr.rFonts.set(qn("w:eastAsia"), "MS Mincho" if r["lang"] == "en" else font)
    st.paragraph_format.space_after = Pt(2)
    return d


def text_width(d):
    s = d.sections[0]
    return s.page_width - s.left_margin - s.right_margin


def shade(cell, hexcolor):
    tcPr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hexcolor)
    tcPr.append(shd)


def repeat_header(row):
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trPr.append(el)


def para(container, text="", bold=False, italic=False, size=None, color=None, style=None, align=None, space_after=None):
    p = container.add_paragraph(style=style) if style else container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
    if align:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def tab_line(container, left, right, width, bold_left=True, italic_right=False, size=None, italic_left=False):
    p = container.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    a = p.add_run(left)
    a.bold, a.italic = bold_left, italic_left
    p.add_run("\t")
    b = p.add_run(right)
    b.italic = italic_right
    if size:
        a.font.size = b.font.size = Pt(size)
    p.paragraph_format.space_after = Pt(0)
    return p


def bullets(container, items):
    for b in items:
        p = container.add_paragraph(b, style="List Bullet")
        p.paragraph_format.space_after = Pt(0)


def heading(d, text, caps=False, color="1F4E79", size=12):
    p = d.add_paragraph()
    run = p.add_run(text.upper() if caps else text)
    run.bold = True
    run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.space_after = Pt(3)
    return p


def clear_cell(cell):
    # a new cell has one empty paragraph; reuse it for the first line
    return cell.paragraphs[0]


def set_col_widths(table, widths):
    table.autofit = False
    for row in table.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = w


def no_borders(table):
    tbl = table._tbl
    tblPr = tbl.tblPr
    b = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        b.append(e)
    tblPr.append(b)


# ------------------------------------------------------------------ h11: contact only in header, experience table
def d_header_contact(r, out):
    d = new_doc(r, font="Calibri", size=10.5, margins=(24, 18, 18, 18))
    W = text_width(d)
    s = d.sections[0]
    hp = s.header.paragraphs[0]
    hp.text = "  |  ".join([r["location"], r["phone"], r["email"], r["linkedin_printed"]])
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in hp.runs:
        run.font.size = Pt(8.5)
    fp = s.footer.paragraphs[0]
    fp.text = f"{r['email']}  ·  {r['phone']}"
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in fp.runs:
        run.font.size = Pt(8)
    para(d, r["name_printed"], bold=True, size=24, color="1F4E79", space_after=0)
    para(d, r["headline"], size=13, color="555555", space_after=6)
    heading(d, T(r, "summary"))
    para(d, r["summary"])
    heading(d, T(r, "experience"))
    t = d.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for ro in r["roles"]:
        cells = t.add_row().cells
        p = clear_cell(cells[0])
        p.add_run(fmt_range(r["date_style"], ro["start"], ro["end"])).font.size = Pt(9.5)
        p = clear_cell(cells[1])
        p.add_run(ro["title"]).bold = True
        p.paragraph_format.space_after = Pt(0)
        q = cells[1].add_paragraph()
        q.add_run(f"{ro['company']}, {ro['city']}").italic = True
        q.paragraph_format.space_after = Pt(0)
        bullets(cells[1], ro["bullets"])
    set_col_widths(t, [Mm(34), W - Mm(34)])
    heading(d, T(r, "education"))
    t = d.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for e in r["education"]:
        cells = t.add_row().cells
        clear_cell(cells[0]).add_run(edu_year(e, r["lang"])).font.size = Pt(9.5)
        p = clear_cell(cells[1])
        p.add_run(edu_line(e)).bold = True
        p.add_run(f" — {e['institution']}")
    set_col_widths(t, [Mm(34), W - Mm(34)])
    heading(d, T(r, "skills"))
    for _, items in skill_items(r):
        para(d, ", ".join(items))
    heading(d, T(r, "certifications"))
    for c in r["certifications"]:
        para(d, c, style="List Bullet")
    heading(d, T(r, "languages"))
    para(d, " · ".join(r["languages"]))
    d.save(out)


# ------------------------------------------------------------------ h12: two-column layout table
def d_two_column(r, out):
    d = new_doc(r, font="Arial", size=9.5, margins=(14, 14, 14, 14))
    W = text_width(d)
    lay = d.add_table(rows=1, cols=2)
    no_borders(lay)
    left, right = lay.rows[0].cells
    shade(left, "E8EEF4")
    LW = Mm(60)
    set_col_widths(lay, [LW, W - LW])

    p = clear_cell(left)
    p.add_run(T(r, "contact").upper()).bold = True
    for x in contact_items(r):
        para(left, x, size=8.5, space_after=1)
    para(left, T(r, "skills").upper(), bold=True).paragraph_format.space_before = Pt(10)
    items = [i for _, its in skill_items(r) for i in its]
    g = left.add_table(rows=0, cols=2)
    g.style = "Table Grid"
    for k in range(0, len(items), 2):
        cells = g.add_row().cells
        for j in range(2):
            if k + j < len(items):
                clear_cell(cells[j]).add_run(items[k + j]).font.size = Pt(8.5)
    para(left, T(r, "languages").upper(), bold=True).paragraph_format.space_before = Pt(10)
    for l in r["languages"]:
        para(left, l, size=8.5, space_after=1)
    para(left, T(r, "education").upper(), bold=True).paragraph_format.space_before = Pt(10)
    for e in r["education"]:
        para(left, edu_line(e), bold=True, size=8.5, space_after=0)
        para(left, f"{e['institution']}, {edu_year(e, r['lang'])}", size=8.5)

    p = clear_cell(right)
    a = p.add_run(r["name_printed"])
    a.bold = True
    a.font.size = Pt(22)
    p.add_run("  ")
    b = p.add_run(r["name_native"])
    b.font.size = Pt(16)
    b.font.color.rgb = RGBColor.from_string("666666")
    b._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "MS Mincho")
    para(right, r["headline"], size=12, color="2E75B6", space_after=6)
    para(right, T(r, "summary").upper(), bold=True, color="2E75B6")
    para(right, r["summary"])
    para(right, T(r, "experience").upper(), bold=True, color="2E75B6").paragraph_format.space_before = Pt(8)
    RW = W - LW - Mm(4)
    for ro in r["roles"]:
        tab_line(right, ro["title"], fmt_range(r["date_style"], ro["start"], ro["end"]), RW).paragraph_format.space_before = Pt(6)
        para(right, f"{ro['company']} · {ro['city']}", italic=True, color="444444", space_after=0)
        bullets(right, ro["bullets"])
    d.save(out)


# ------------------------------------------------------------------ h13: German, tab stops, grouped employer
def d_de_tabs(r, out):
    d = new_doc(r, font="Cambria", size=10.5, margins=(20, 20, 18, 22))
    W = text_width(d)
    p = d.add_paragraph()
    a = p.add_run(r["label"] + " – ")
    a.font.size = Pt(18)
    a.font.color.rgb = RGBColor.from_string("7F7F7F")
    b = p.add_run(r["name_printed"])
    b.font.size = Pt(18)
    b.bold = True
    para(d, r["headline"], size=12, italic=True, space_after=2)
    para(d, " | ".join(contact_items(r)), size=9, color="404040")
    heading(d, T(r, "summary"), color="385623")
    para(d, r["summary"])
    heading(d, T(r, "experience"), color="385623")
    for comp, city, roles in group_roles(r):
        tab_line(d, comp, city, W, bold_left=True).paragraph_format.space_before = Pt(6)
        for ro in roles:
            tab_line(d, ro["title"], fmt_range(r["date_style"], ro["start"], ro["end"]), W, bold_left=False, italic_left=True)
            bullets(d, ro["bullets"])
    heading(d, T(r, "education"), color="385623")
    for e in r["education"]:
        tab_line(d, f"{edu_line(e)}, {e['institution']}", edu_year(e, r["lang"]), W, bold_left=False)
    heading(d, T(r, "skills"), color="385623")
    for l, items in skill_items(r):
        p = d.add_paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Mm(38))
        p.add_run(l + ":").bold = True
        p.add_run("\t" + ", ".join(items))
        p.paragraph_format.space_after = Pt(0)
    heading(d, T(r, "certifications"), color="385623")
    bullets(d, r["certifications"])
    heading(d, T(r, "languages"), color="385623")
    para(d, ", ".join(r["languages"]))
    d.save(out)


# ------------------------------------------------------------------ h14: plain ATS docx, company first, no e-mail
def d_ats(r, out):
    d = new_doc(r, font="Times New Roman", size=11, margins=(22, 22, 22, 22))
    para(d, r["name_printed"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(d, " | ".join(contact_items(r)), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(d, r["headline"], align=WD_ALIGN_PARAGRAPH.CENTER)
    heading(d, T(r, "summary"), caps=True, color=None, size=11)
    para(d, r["summary"])
    heading(d, T(r, "experience"), caps=True, color=None, size=11)
    for ro in r["roles"]:
        p = para(d, f"{ro['company']} — {ro['city']}", bold=True, space_after=0)
        p.paragraph_format.space_before = Pt(6)
        para(d, f"{ro['title']}, {fmt_range(r['date_style'], ro['start'], ro['end'])}", space_after=0)
        bullets(d, ro["bullets"])
    heading(d, T(r, "education"), caps=True, color=None, size=11)
    for e in r["education"]:
        para(d, f"{edu_line(e)}, {e['institution']}, {edu_year(e, r['lang'])}")
    heading(d, T(r, "skills"), caps=True, color=None, size=11)
    for _, items in skill_items(r):
        para(d, ", ".join(items))
    heading(d, T(r, "certifications"), caps=True, color=None, size=11)
    para(d, ", ".join(r["certifications"]))
    heading(d, T(r, "languages"), caps=True, color=None, size=11)
    para(d, ", ".join(r["languages"]))
    d.save(out)


# ------------------------------------------------------------------ h15: French, experience table with header row
def d_fr_table(r, out):
    d = new_doc(r, font="Garamond", size=11, margins=(18, 18, 16, 18))
    W = text_width(d)
    para(d, r["label"].upper(), size=9, color="808080", space_after=0)
    para(d, r["name_printed"], bold=True, size=22, color="7B2C2C", space_after=0)
    para(d, r["headline"], size=13, space_after=2)
    for x in contact_items(r):
        para(d, x, size=9.5, space_after=0)
    heading(d, T(r, "summary"), color="7B2C2C")
    para(d, r["summary"])
    heading(d, T(r, "experience"), color="7B2C2C")
    t = d.add_table(rows=1, cols=3)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    hdr = t.rows[0]
    repeat_header(hdr)
    for c, txt in zip(hdr.cells, ["Période", "Poste", "Entreprise"]):
        clear_cell(c).add_run(txt).bold = True
        shade(c, "F2E6E6")
    for ro in r["roles"]:
        cells = t.add_row().cells
        clear_cell(cells[0]).add_run(fmt_range(r["date_style"], ro["start"], ro["end"]))
        clear_cell(cells[1]).add_run(ro["title"]).bold = True
        bullets(cells[1], ro["bullets"])
        clear_cell(cells[2]).add_run(ro["company"])
        q = cells[2].add_paragraph()
        q.add_run(ro["city"]).italic = True
    set_col_widths(t, [Mm(36), W - Mm(36) - Mm(42), Mm(42)])
    heading(d, T(r, "education"), color="7B2C2C")
    for e in r["education"]:
        para(d, f"{edu_line(e)} — {e['institution']} ({edu_year(e, r['lang'])})")
    heading(d, T(r, "skills"), color="7B2C2C")
    for l, items in skill_items(r):
        p = d.add_paragraph()
        p.add_run(l + " : ").bold = True
        p.add_run(", ".join(items))
        p.paragraph_format.space_after = Pt(0)
    heading(d, T(r, "languages"), color="7B2C2C")
    para(d, " · ".join(r["languages"]))
    d.save(out)


# ------------------------------------------------------------------ h16: Spanish, company first with city right
def d_es_companyfirst(r, out):
    d = new_doc(r, font="Calibri Light", size=10.5, margins=(18, 20, 18, 20))
    W = text_width(d)
    s = d.sections[0]
    hp = s.header.paragraphs[0]
    hp.text = f"{r['name_printed']} — {r['headline']}"
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in hp.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor.from_string("808080")
    para(d, r["name_printed"], bold=True, size=20, color="C55A11", space_after=0)
    para(d, r["headline"], size=12, space_after=2)
    para(d, " · ".join(contact_items(r)), size=9)
    heading(d, T(r, "summary"), color="C55A11")
    para(d, r["summary"])
    heading(d, T(r, "experience"), color="C55A11")
    for ro in r["roles"]:
        tab_line(d, ro["company"], ro["city"], W, bold_left=True).paragraph_format.space_before = Pt(6)
        tab_line(d, ro["title"], fmt_range(r["date_style"], ro["start"], ro["end"]), W, bold_left=False, italic_left=True)
        bullets(d, ro["bullets"])
    heading(d, T(r, "education"), color="C55A11")
    for e in r["education"]:
        tab_line(d, edu_line(e), edu_year(e, r["lang"]), W, bold_left=True)
        para(d, e["institution"], italic=True)
    heading(d, T(r, "skills"), color="C55A11")
    for l, items in skill_items(r):
        p = d.add_paragraph()
        p.add_run(l + ": ").bold = True
        p.add_run(", ".join(items))
        p.paragraph_format.space_after = Pt(0)
    heading(d, T(r, "certifications"), color="C55A11")
    bullets(d, r["certifications"])
    heading(d, T(r, "languages"), color="C55A11")
    para(d, " · ".join(r["languages"]))
    d.save(out)


DOCX_TEMPLATES = {
    "docx_header_contact": d_header_contact, "docx_two_column": d_two_column, "docx_de_tabs": d_de_tabs,
    "docx_ats": d_ats, "docx_fr_table": d_fr_table, "docx_es_companyfirst": d_es_companyfirst,
}
