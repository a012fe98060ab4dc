"""DOCX layouts for tuned2 (python-docx). The small helpers at the top are copied from ../tuned/generate.py."""

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, Cm, RGBColor

from common import H, contacts, date_range, edu_line, edu_year, groups


def shade(cell, hexcolor):
    tcPr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement('w:shd')
    shd.set(qn('w:val'), 'clear')
    shd.set(qn('w:color'), 'auto')
    shd.set(qn('w:fill'), hexcolor)
    tcPr.append(shd)


def no_borders(table):
    tblPr = table._tbl.tblPr
    b = OxmlElement('w:tblBorders')
    for side in ('top', 'left', 'bottom', 'right', 'insideH', 'insideV'):
        e = OxmlElement(f'w:{side}')
        e.set(qn('w:val'), 'nil')
        b.append(e)
    tblPr.append(b)


def bottom_border(paragraph, color='444444', sz=8):
    pPr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement('w:pBdr')
    bot = OxmlElement('w:bottom')
    for k, v in (('val', 'single'), ('sz', str(sz)), ('space', '1'), ('color', color)):
        bot.set(qn(f'w:{k}'), v)
    bdr.append(bot)
    pPr.append(bdr)


def set_col_width(table, idx, width):
    for row in table.rows:
        row.cells[idx].width = width


def new_doc(r, font='Calibri', size=10.5, margins=(2.0, 2.0, 2.0, 2.0)):
    d = docx.Document()
    st = d.styles['Normal']
    st.font.name = font
    st.element.rPr.rFonts.set(qn('w:eastAsia'), font)
    st.font.size = Pt(size)
    st.paragraph_format.space_after = Pt(2)
    sec = d.sections[0]
    if r.get('page') == 'letter':
        sec.page_width, sec.page_height = Cm(21.59), Cm(27.94)
    else:
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = [Cm(x) for x in margins]
    d.core_properties.author = r['name']['printed']
    d.core_properties.title = 'Resume'
    return d


def text_width(d):
    s = d.sections[0]
    return s.page_width - s.left_margin - s.right_margin


def para(container, text='', bold=False, italic=False, size=None, style=None, color=None, align=None, space_after=None,
         space_before=None):
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
    if space_before is not None:
        p.paragraph_format.space_before = Pt(space_before)
    return p


def bullets(container, items, style='List Bullet'):
    for x in items:
        p = container.add_paragraph(x, style=style)
        p.paragraph_format.space_after = Pt(1)


def heading(d, text, color='1F3864', caps=True, rule=True, size=11.5):
    p = para(d, text.upper() if caps else text, bold=True, size=size, color=color, space_before=9, space_after=3)
    if rule:
        bottom_border(p, color)
    return p


def add_run(p, text, bold=False, italic=False, size=None, color=None):
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    return run



def grid_widths(table, widths):
    """Cell widths plus the table grid (w:gridCol), which LibreOffice and Word use for layout."""
    for i, w in enumerate(widths):
        set_col_width(table, i, w)
    for gc, w in zip(table._tbl.tblGrid.findall(qn('w:gridCol')), widths):
        gc.set(qn('w:w'), str(int(w.twips)))


def page_tab(d):
    s = d.sections[0]
    return s.page_width - s.left_margin - s.right_margin


# ---- t28: contact details only in the page header; experience in a Dates | Role | Company table
def docx_header_contact_table(r):
    o = r['opts']
    acc = '1F4E5F'
    d = new_doc(r, font='Calibri', size=10, margins=(2.4, 1.9, 1.8, 1.9))
    sec = d.sections[0]
    sec.header_distance = Cm(1.0)
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    add_run(hp, '  |  '.join(v for k, v in contacts(r)), size=8.5, color='444444')
    bottom_border(hp, acc, 6)
    para(d, r['name']['printed'], bold=True, size=22, color=acc, space_after=0)
    para(d, r['headline'], size=12.5, color='444444', space_after=4)
    heading(d, H(r, 'summary'), color=acc)
    para(d, r['summary'])
    heading(d, H(r, 'exp'), color=acc)
    t = d.add_table(rows=1, cols=3)
    t.style = 'Table Grid'
    for i, h in enumerate(o['exp_cols']):
        c = t.rows[0].cells[i]
        c.text = h
        c.paragraphs[0].runs[0].bold = True
        shade(c, 'DCE8EC')
    for e in r['exp']:
        row = t.add_row()
        row.cells[0].text = date_range(r, e)
        add_run(row.cells[1].paragraphs[0], e['title'], bold=True)
        bullets(row.cells[1], e['bullets'])
        row.cells[2].text = e['company']
    grid_widths(t, [Cm(3.8), Cm(9.2), Cm(4.2)])
    heading(d, H(r, 'edu'), color=acc)
    for e in r['edu']:
        p = para(d, space_after=1)
        add_run(p, edu_line(e), bold=True)
        add_run(p, f", {e['inst']}, {edu_year(e)}")
    heading(d, H(r, 'skills'), color=acc)
    for lbl, txt in r['skills_section']:
        p = para(d, space_after=1)
        add_run(p, lbl + ': ', bold=True)
        add_run(p, txt)
    if r.get('certs'):
        heading(d, H(r, 'certs'), color=acc)
        bullets(d, r['certs'])
    heading(d, H(r, 'langs'), color=acc)
    para(d, ' · '.join(r['langs']))
    return d


# ---- t29: contact / skills / languages / education in a floating text box (Word 2010 wps shape + VML fallback)
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"')


def _xesc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def _p(text, bold=False, size=9, color='1A1A1A', after=2, before=0):
    rpr = f'<w:rPr>{"<w:b/>" if bold else ""}<w:color w:val="{color}"/><w:sz w:val="{int(size * 2)}"/></w:rPr>'
    return (f'<w:p><w:pPr><w:spacing w:before="{before * 20}" w:after="{after * 20}"/></w:pPr>'
            f'<w:r>{rpr}<w:t xml:space="preserve">{_xesc(text)}</w:t></w:r></w:p>')


def text_box_run(paras_xml, x_cm, y_cm, w_cm, h_cm, fill='EEF2F7', shape_id=1):
    emu = lambda cm: int(cm * 360000)  # noqa: E731
    pt = lambda cm: round(cm * 72 / 2.54, 2)  # noqa: E731
    content = f'<w:txbxContent>{paras_xml}</w:txbxContent>'
    xml = f'''<w:r {NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0"
 locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="page"><wp:posOffset>{emu(x_cm)}</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="page"><wp:posOffset>{emu(y_cm)}</wp:posOffset></wp:positionV>
<wp:extent cx="{emu(w_cm)}" cy="{emu(h_cm)}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>
<wp:docPr id="{shape_id}" name="Text Box {shape_id}"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>
<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{emu(w_cm)}" cy="{emu(h_cm)}"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill><a:ln><a:noFill/></a:ln>
</wps:spPr><wps:txbx>{content}</wps:txbx>
<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="144000" tIns="144000" rIns="108000" bIns="72000" anchor="t" anchorCtr="0">
<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">
<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>
<v:shape id="Text Box {shape_id}" o:spid="_x0000_s10{shape_id:02d}" type="#_x0000_t202"
 style="position:absolute;margin-left:{pt(x_cm)}pt;margin-top:{pt(y_cm)}pt;width:{pt(w_cm)}pt;height:{pt(h_cm)}pt;z-index:251659264;mso-position-horizontal-relative:page;mso-position-vertical-relative:page"
 fillcolor="#{fill.lower()}" stroked="f"><v:textbox inset="4mm,4mm,3mm,2mm">{content}</v:textbox></v:shape></w:pict>
</mc:Fallback></mc:AlternateContent></w:r>'''
    return parse_xml(xml.replace('\n', ' '))


def docx_textbox_sidebar(r):
    acc = '0E5A4F'
    box_w = 6.2
    # the body column leaves the right-hand 7.4 cm of the page to the text box
    d = new_doc(r, font='Calibri', size=10, margins=(1.8, 7.9, 1.6, 1.9))
    tw = page_tab(d)
    p = para(d, space_after=0)
    add_run(p, r['name']['printed'], bold=True, size=24, color=acc)
    box = ''
    box += _p(H(r, 'contact').upper(), bold=True, size=10, color=acc, after=3)
    for k, v in contacts(r):
        box += _p(v, size=9, after=1)
    box += _p(H(r, 'skills').upper(), bold=True, size=10, color=acc, before=10, after=3)
    for lbl, txt in r['skills_section']:
        box += _p(lbl, bold=True, size=9, after=0) + _p(txt, size=9, after=3)
    box += _p(H(r, 'langs').upper(), bold=True, size=10, color=acc, before=10, after=3)
    for l in r['langs']:
        box += _p(l, size=9, after=1)
    box += _p(H(r, 'edu').upper(), bold=True, size=10, color=acc, before=10, after=3)
    for e in r['edu']:
        box += _p(edu_line(e), bold=True, size=9, after=0) + _p(f"{e['inst']}, {edu_year(e)}", size=9, after=3)
    if r.get('certs'):
        box += _p(H(r, 'certs').upper(), bold=True, size=10, color=acc, before=10, after=3)
        for c in r['certs']:
            box += _p(c, size=9, after=1)
    p._p.append(text_box_run(box, x_cm=21.0 - 1.2 - box_w, y_cm=1.8, w_cm=box_w, h_cm=12.5))
    para(d, r['headline'], size=13, color='444444', space_after=6)
    heading(d, H(r, 'summary'), color=acc)
    para(d, r['summary'])
    heading(d, H(r, 'exp'), color=acc)
    for g in groups(r['exp']):
        p = para(d, space_before=8, space_after=1)
        add_run(p, g[0]['company'], bold=True, size=11, color=acc)
        if g[0].get('city'):
            add_run(p, f", {g[0]['city']}", color='555555')
        for e in g:
            p = para(d, space_before=3, space_after=1)
            p.paragraph_format.tab_stops.add_tab_stop(tw, WD_TAB_ALIGNMENT.RIGHT)
            add_run(p, e['title'], bold=True)
            add_run(p, '\t' + date_range(r, e), color='555555', size=9)
            bullets(d, e['bullets'])
    return d


# ---- t30: name, headline and contact in a two-cell table in the page header; Período | Função | Empresa table
def docx_header_table_pt(r):
    o = r['opts']
    acc = '7A3B1F'
    d = new_doc(r, font='Calibri', size=10, margins=(3.6, 1.9, 1.8, 1.9))
    sec = d.sections[0]
    sec.header_distance = Cm(1.0)
    hdr = sec.header
    hdr.paragraphs[0].text = ''
    t = hdr.add_table(rows=1, cols=2, width=page_tab(d))
    no_borders(t)
    left, right = t.rows[0].cells
    add_run(left.paragraphs[0], r['name']['printed'], bold=True, size=18, color=acc)
    para(left, r['headline'], size=11, color='444444', space_after=0)
    first = True
    for k, v in contacts(r):
        p = right.paragraphs[0] if first else right.add_paragraph()
        first = False
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.space_after = Pt(0)
        add_run(p, v, size=8.5, color='333333')
    grid_widths(t, [Cm(10.6), Cm(6.6)])
    # keep the empty paragraph python-docx leaves after the table small, with a rule under the header block
    hp = hdr.paragraphs[0]
    hdr._element.remove(hp._p)
    hdr._element.append(hp._p)
    bottom_border(hp, acc, 8)
    heading(d, H(r, 'summary'), color=acc)
    para(d, r['summary'])
    heading(d, H(r, 'exp'), color=acc)
    t = d.add_table(rows=1, cols=3)
    t.style = 'Table Grid'
    for i, h in enumerate(o['exp_cols']):
        c = t.rows[0].cells[i]
        c.text = h
        c.paragraphs[0].runs[0].bold = True
        shade(c, 'F3E3D8')
    for e in r['exp']:
        row = t.add_row()
        row.cells[0].text = date_range(r, e)
        add_run(row.cells[1].paragraphs[0], e['title'], bold=True)
        bullets(row.cells[1], e['bullets'])
        row.cells[2].text = e['company']
    grid_widths(t, [Cm(4.0), Cm(9.2), Cm(4.0)])
    heading(d, H(r, 'edu'), color=acc)
    for e in r['edu']:
        p = para(d, space_after=1)
        add_run(p, edu_line(e), bold=True)
        add_run(p, f" — {e['inst']} ({edu_year(e)})")
    heading(d, H(r, 'skills'), color=acc)
    for lbl, txt in r['skills_section']:
        p = para(d, space_after=1)
        add_run(p, lbl + ': ', bold=True)
        add_run(p, txt)
    if r.get('certs'):
        heading(d, H(r, 'certs'), color=acc)
        bullets(d, r['certs'])
    heading(d, H(r, 'langs'), color=acc)
    para(d, ' · '.join(r['langs']))
    return d


DOCX_LAYOUTS = {'docx_header_contact_table': docx_header_contact_table, 'docx_textbox_sidebar': docx_textbox_sidebar,
                'docx_header_table_pt': docx_header_table_pt}
