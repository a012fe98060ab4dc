#!/usr/bin/env python3
"""Regenerate the *tuned* wild resume fixtures (PDF via Chromium, DOCX via python-docx)
and their ground-truth JSON from the single data description in resumes.py.

Usage:  python generate.py [--out DIR] [--only t01,t02] [--keep-html DIR]
"""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import phonenumbers
import pypdfium2 as pdfium
import docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Cm, RGBColor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
DEFAULT_OUT = os.path.join(REPO, 'tests', 'fixtures', 'resumes', 'wild', 'tuned')
TAXONOMY = os.path.join(REPO, 'tests', 'fixtures', 'resumes', 'skills_taxonomy.json')
AS_OF = '2026-12'

sys.path.insert(0, HERE)
from resumes import RESUMES  # noqa: E402

# --------------------------------------------------------------------------- dates
MONTHS = {
    'en': ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
    'en_long': ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                'September', 'October', 'November', 'December'],
    'es': ['ene.', 'feb.', 'mar.', 'abr.', 'may.', 'jun.', 'jul.', 'ago.', 'sept.', 'oct.', 'nov.', 'dic.'],
    'es_long': ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto',
                'septiembre', 'octubre', 'noviembre', 'diciembre'],
    'pt': ['jan', 'fev', 'mar', 'abr', 'mai', 'jun', 'jul', 'ago', 'set', 'out', 'nov', 'dez'],
    'de': ['Jan.', 'Feb.', 'März', 'Apr.', 'Mai', 'Juni', 'Juli', 'Aug.', 'Sept.', 'Okt.', 'Nov.', 'Dez.'],
    'fr': ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'],
}


def ym(s):
    y, m = s.split('-')
    return int(y), int(m)


def fmt_ym(s, st):
    y, m = ym(s)
    k = st['kind']
    if k == 'mon':
        return f"{MONTHS[st['months']][m - 1]}{st.get('msep', ' ')}{y}"
    if k == 'num':
        return f"{m:02d}/{y}"
    if k == 'iso':
        return f"{y}-{m:02d}"
    if k == 'dot':
        return f"{y}.{m:02d}"
    if k == 'apos':
        return f"{MONTHS[st['months']][m - 1]} '{y % 100:02d}"
    raise ValueError(k)


def date_range(r, e):
    """The date range exactly as printed for experience entry e."""
    if e.get('dates'):
        return e['dates']
    st = r['dates']
    end = st['present'] if e['end'] is None else fmt_ym(e['end'], st)
    return fmt_ym(e['start'], st) + st.get('sep', ' – ') + end


def months_covered(exps):
    seen = set()
    for e in exps:
        y, m = ym(e['start'])
        ey, em = ym(e['end'] or AS_OF)
        while (y, m) <= (ey, em):
            seen.add((y, m))
            m += 1
            if m == 13:
                y, m = y + 1, 1
    return len(seen)


# --------------------------------------------------------------------------- skills
TAX = json.load(open(TAXONOMY, encoding='utf-8'))
FORMS = [(f, c) for c, fs in TAX.items() for f in fs]


def _pat(form):
    return re.compile(r'(?<!\w)' + re.escape(form) + r'(?!\w)')


PATS = [(f, c, _pat(f)) for f, c in FORMS]


def detect_skills(text):
    """Return (naive, longest_first) sets of canonical skills found in text.

    naive: every surface form matched on word boundaries (case-sensitive).
    longest_first: longer surface forms consume their span first (so 'React Native' does not also
    count as 'React').  The generator insists both agree, so fixtures are unambiguous either way."""
    naive = {c for f, c, p in PATS if p.search(text)}
    masked, found = text, set()
    for f, c, p in sorted(PATS, key=lambda x: -len(x[0])):
        if p.search(masked):
            found.add(c)
            masked = p.sub(lambda m: '\x00' * len(m.group()), masked)
    return naive, found


def norm_ws(s):
    return re.sub(r'\s+', ' ', s.replace('\u00ad', '')).strip()


# --------------------------------------------------------------------------- contact helpers
def norm_linkedin(s):
    if not s:
        return None
    m = re.search(r'linkedin\.com/in/([^/?\s]+)', s)
    return f"https://www.linkedin.com/in/{m.group(1)}"


def norm_github(s):
    if not s:
        return None
    m = re.search(r'github\.com/([^/?\s]+)', s)
    return f"https://github.com/{m.group(1)}"


def norm_url(s):
    if not s:
        return None
    s = s.rstrip('/')
    return s if s.startswith('http') else 'https://' + s


def e164(r):
    p = phonenumbers.parse(r['phone'], r.get('phone_region'))
    if not phonenumbers.is_valid_number(p):
        raise SystemExit(f"{r['id']}: invalid phone {r['phone']!r}")
    return phonenumbers.format_number(p, phonenumbers.PhoneNumberFormat.E164)


HEADINGS = {
    'en': dict(summary='Summary', exp='Experience', edu='Education', skills='Skills', langs='Languages',
               certs='Certifications', contact='Contact'),
    'es': dict(summary='Perfil', exp='Experiencia profesional', edu='Formación', skills='Competencias técnicas',
               langs='Idiomas', certs='Certificaciones', contact='Contacto'),
    'pt': dict(summary='Perfil', exp='Experiência profissional', edu='Formação académica', skills='Competências',
               langs='Idiomas', certs='Certificações', contact='Contacto'),
    'de': dict(summary='Profil', exp='Berufserfahrung', edu='Ausbildung', skills='Kenntnisse', langs='Sprachen',
               certs='Zertifikate', contact='Kontakt'),
    'fr': dict(summary='Profil', exp='Expérience professionnelle', edu='Formation', skills='Compétences',
               langs='Langues', certs='Certifications', contact='Contact'),
}


def H(r, key):
    return r.get('headings', {}).get(key) or HEADINGS[r['lang']][key]


def edu_line(e):
    """Main education line as printed (degree + field)."""
    if e.get('line'):
        return e['line']
    return f"{e['degree']}{e.get('join', ' in ')}{e['field']}" if e.get('field') else e['degree']


def edu_year(e):
    return e.get('year_text') or str(e['year'])


def contacts(r):
    out = []
    for k in r.get('contact_order', ['location', 'phone', 'email', 'linkedin', 'github', 'portfolio']):
        if r.get(k):
            out.append((k, r[k]))
    return out


# =========================================================================== HTML layouts
def esc(s):
    return html.escape(s).replace('\n', '<br>')


def ul(items, cls=''):
    if not items:
        return ''
    return f'<ul class="{cls}">' + ''.join(f'<li>{esc(b)}</li>' for b in items) + '</ul>'


def page(r, css, body):
    size = 'letter' if r.get('page') == 'letter' else 'A4'
    css = css.replace('@SIZE@', size)
    return (f'<!DOCTYPE html><html lang="{r["lang"]}"><head><meta charset="utf-8"><title>{esc(r["name"]["printed"])}</title>'
            f'<style>{css}</style></head><body>{body}</body></html>')


def skills_rows_html(r, sep=': '):
    return ''.join(f'<p class="sk"><b>{esc(lbl)}</b>{sep}{esc(txt)}</p>' if lbl else f'<p class="sk">{esc(txt)}</p>'
                   for lbl, txt in r['skills_section'])


def extra_sections_html(r, h='h2'):
    out = ''
    for title, paras in r.get('extra', []):
        out += f'<{h}>{esc(title)}</{h}>' + ul(paras)
    return out


def groups(exps):
    """Consecutive roles at the same employer."""
    out = []
    for e in exps:
        if out and out[-1][0]['company'] == e['company'] and e.get('group', True):
            out[-1].append(e)
        else:
            out.append([e])
    return out


# ---- t01: single column, 'Title, Company — City' header with right-aligned dates
def html_classic_right(r):
    css = """
@page { size: @SIZE@; margin: 16mm 17mm 15mm 17mm; }
body { font: 10.3pt/1.32 'Liberation Serif', serif; color: #111; margin: 0; }
header { text-align: center; margin-bottom: 4mm; }
header h1 { font-size: 21pt; letter-spacing: 0.5pt; margin: 0; font-weight: normal; font-variant: small-caps; }
header .hl { font-size: 11.5pt; margin-top: 1mm; font-style: italic; }
header .ct { font-size: 9.5pt; margin-top: 1.5mm; }
header .ct span + span:before { content: "  |  "; white-space: pre; color: #777; }
h2 { font-size: 10.5pt; text-transform: uppercase; letter-spacing: 1.2pt; border-bottom: 0.8pt solid #222;
     margin: 4.5mm 0 2mm 0; padding-bottom: 0.6mm; }
.row { display: flex; justify-content: space-between; align-items: flex-start; gap: 10mm; margin-top: 2.6mm; }
.row .l { max-width: 112mm; }
.row .r { white-space: nowrap; font-style: italic; }
ul { margin: 0.8mm 0 0 0; padding-left: 5mm; } li { margin: 0.3mm 0; }
p { margin: 0 0 1mm 0; } .sk b { font-weight: bold; }
"""
    b = '<header>'
    b += f'<h1>{esc(r["name"]["printed"])}</h1><div class="hl">{esc(r["headline"])}</div>'
    b += '<div class="ct">' + ''.join(f'<span>{esc(v)}</span>' for k, v in contacts(r)) + '</div></header>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p>'
    b += f'<h2>{H(r, "exp")}</h2>'
    for e in r['exp']:
        city = f' — {esc(e["city"])}' if e.get('city') else ''
        b += (f'<div class="row"><div class="l"><b>{esc(e["title"])}</b>, {esc(e["company"])}{city}</div>'
              f'<div class="r">{esc(date_range(r, e))}</div></div>' + ul(e['bullets']))
    b += f'<h2>{H(r, "edu")}</h2>'
    for e in r['edu']:
        b += (f'<div class="row"><div class="l"><b>{esc(e["inst"])}</b> — {esc(edu_line(e))}</div>'
              f'<div class="r">{esc(edu_year(e))}</div></div>')
    b += f'<h2>{H(r, "skills")}</h2>' + skills_rows_html(r)
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    b += f'<h2>{H(r, "langs")}</h2><p>{esc(" · ".join(r["langs"]))}</p>'
    return page(r, css, b)


# ---- t02 / t07: two columns, coloured sidebar left or right
def html_sidebar(r):
    o = r['opts']
    side_w = o.get('side_w', '62mm')
    cols = f'{side_w} 1fr' if o['side'] == 'left' else f'1fr {side_w}'
    css = f"""
@page {{ size: @SIZE@; margin: 0; }}
* {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ margin: 0; font: 9.6pt/1.35 'DejaVu Sans', sans-serif; color: #222; }}
.wrap {{ display: grid; grid-template-columns: {cols}; min-height: 296mm; }}
.side {{ background: {o.get('side_bg', '#1e3a52')}; color: #f2f2f2; padding: 15mm 6mm 10mm 7mm; font-size: 8.8pt; }}
.side h1 {{ font-size: {o.get('name_size', '23pt')}; line-height: 1.12; margin: 0 0 3mm 0; font-weight: bold; color: #fff; }}
.side h3 {{ font-size: 9pt; text-transform: uppercase; letter-spacing: 1pt; border-bottom: 0.6pt solid #9fb6c9;
           padding-bottom: 0.8mm; margin: 6mm 0 2mm 0; color: #cfe0ee; }}
.side p {{ margin: 0 0 1.3mm 0; word-wrap: break-word; }}
.side ul {{ margin: 0; padding-left: 4mm; }}
.main {{ padding: 15mm 11mm 10mm 11mm; }}
.main h1 {{ font-size: 24pt; margin: 0; color: #1e3a52; }}
.main .hl {{ font-size: 12pt; color: #555; margin: 1mm 0 2mm 0; }}
.main h2 {{ font-size: 11pt; color: {o.get('accent', '#1e3a52')}; text-transform: uppercase; letter-spacing: 1pt;
           margin: 5mm 0 2mm 0; }}
.ent {{ margin-bottom: 3mm; }}
.ent .t {{ font-weight: bold; font-size: 10.3pt; }}
.ent .c {{ color: #333; }} .ent .d {{ color: #666; font-size: 8.8pt; }}
.ent .cd {{ color: #444; font-style: italic; }}
ul {{ margin: 0.8mm 0 0 0; padding-left: 4.5mm; }} li {{ margin: 0.4mm 0; }}
p {{ margin: 0 0 1mm 0; }}
"""
    side = ''
    if o.get('name_in_side'):
        side += f'<h1>{esc(r["name"]["printed"])}</h1><p>{esc(r["headline"])}</p>'
    side += f'<h3>{H(r, "contact")}</h3>' + ''.join(f'<p>{esc(v)}</p>' for k, v in contacts(r))
    side += f'<h3>{H(r, "skills")}</h3>'
    for lbl, txt in r['skills_section']:
        side += (f'<p><b>{esc(lbl)}</b></p>' if lbl else '') + ul([s.strip() for s in txt.split(',')])
    side += f'<h3>{H(r, "langs")}</h3>' + ''.join(f'<p>{esc(l)}</p>' for l in r['langs'])
    if o.get('edu_in_side'):
        side += f'<h3>{H(r, "edu")}</h3>'
        for e in r['edu']:
            side += f'<p><b>{esc(edu_line(e))}</b><br>{esc(e["inst"])}<br>{esc(edu_year(e))}</p>'
    main = ''
    if not o.get('name_in_side'):
        main += f'<h1>{esc(r["name"]["printed"])}</h1><div class="hl">{esc(r["headline"])}</div>'
    main += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p><h2>{H(r, "exp")}</h2>'
    for e in r['exp']:
        if o['entry'] == 'stacked':
            main += (f'<div class="ent"><div class="t">{esc(e["title"])}</div><div class="c">{esc(e["company"])}'
                     f'{", " + esc(e["city"]) if e.get("city") else ""}</div>'
                     f'<div class="d">{esc(date_range(r, e))}</div>{ul(e["bullets"])}</div>')
        else:
            main += (f'<div class="ent"><div class="t">{esc(e["title"])}</div>'
                     f'<div class="cd">{esc(e["company"])} | {esc(date_range(r, e))}</div>{ul(e["bullets"])}</div>')
    if not o.get('edu_in_side'):
        main += f'<h2>{H(r, "edu")}</h2>'
        for e in r['edu']:
            main += f'<div class="ent"><div class="t">{esc(edu_line(e))}</div><div class="c">{esc(e["inst"])} · {esc(edu_year(e))}</div></div>'
    if r.get('certs'):
        main += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    main += extra_sections_html(r)
    if o['side'] == 'left':
        body = f'<div class="wrap"><aside class="side">{side}</aside><main class="main">{main}</main></div>'
    else:
        body = f'<div class="wrap"><main class="main">{main}</main><aside class="side">{side}</aside></div>'
    return page(r, css, body)


# ---- t03 / t09: dates in a left margin column
def html_leftdates(r):
    o = r['opts']
    acc = o.get('accent', '#0b5f63')
    css = f"""
@page {{ size: @SIZE@; margin: 14mm 15mm 14mm 15mm; }}
* {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ margin: 0; font: 9.8pt/1.35 'Liberation Sans', sans-serif; color: #1b1b1b; }}
.lbl {{ font-size: 9pt; letter-spacing: 3pt; text-transform: uppercase; color: {acc}; }}
h1 {{ font-size: 22pt; margin: 0.5mm 0 0 0; }}
.hl {{ font-size: 11.5pt; color: #444; margin: 0.5mm 0 2mm 0; }}
.ct {{ font-size: 8.8pt; color: #333; display: flex; flex-wrap: wrap; gap: 1mm 6mm; border-top: 1.4pt solid {acc};
       padding-top: 1.6mm; }}
h2 {{ font-size: 10.5pt; color: {acc}; text-transform: uppercase; letter-spacing: 1pt; margin: 4.5mm 0 1.6mm 0; }}
.e {{ display: grid; grid-template-columns: {o.get('date_w', '27mm')} 1fr; column-gap: 5mm; margin-bottom: 2.4mm; }}
.e .d {{ color: #555; font-size: 8.8pt; text-align: {o.get('date_align', 'left')}; padding-top: 0.5mm; }}
.e .t {{ font-weight: bold; }} .e .c {{ color: {acc}; }}
ul {{ margin: 0.6mm 0 0 0; padding-left: 4.5mm; }} li {{ margin: 0.3mm 0; }}
p {{ margin: 0 0 1mm 0; }}
table.sk {{ border-collapse: collapse; width: 100%; font-size: 9pt; }}
table.sk td {{ border: 0.6pt solid #bbb; padding: 1.2mm 2mm; vertical-align: top; }}
table.sk td.k {{ background: #eef4f4; font-weight: bold; width: 30mm; }}
"""
    b = ''
    if r.get('label'):
        b += f'<div class="lbl">{esc(r["label"])}</div>'
    b += f'<h1>{esc(r["name"]["printed"])}</h1><div class="hl">{esc(r["headline"])}</div>'
    b += '<div class="ct">' + ''.join(f'<span>{esc(v)}</span>' for k, v in contacts(r)) + '</div>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p><h2>{H(r, "exp")}</h2>'
    for e in r['exp']:
        city = f' · {esc(e["city"])}' if e.get('city') else ''
        b += (f'<div class="e"><div class="d">{esc(date_range(r, e))}</div><div><div class="t">{esc(e["title"])}</div>'
              f'<div class="c">{esc(e["company"])}{city}</div>{ul(e["bullets"])}</div></div>')
    b += f'<h2>{H(r, "edu")}</h2>'
    for e in r['edu']:
        b += (f'<div class="e"><div class="d">{esc(edu_year(e))}</div><div><div class="t">{esc(edu_line(e))}</div>'
              f'<div class="c">{esc(e["inst"])}</div></div></div>')
    b += f'<h2>{H(r, "skills")}</h2>'
    if o.get('skills_table'):
        b += '<table class="sk">' + ''.join(f'<tr><td class="k">{esc(l)}</td><td>{esc(t)}</td></tr>'
                                            for l, t in r['skills_section']) + '</table>'
    else:
        b += skills_rows_html(r)
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    b += f'<h2>{H(r, "langs")}</h2><p>{esc(" | ".join(r["langs"]))}</p>'
    return page(r, css, b)


# ---- t04: section names in a left column with a vertical rule
def html_sidecol(r):
    acc = '#7a1f1f'
    css = f"""
@page {{ size: @SIZE@; margin: 15mm 16mm 14mm 14mm; }}
* {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ margin: 0; font: 9.8pt/1.38 'Liberation Sans', sans-serif; color: #202020; }}
h1 {{ font-size: 21pt; margin: 0 0 1mm 0; font-weight: bold; }}
h1 .lb {{ font-weight: normal; color: {acc}; margin-right: 3mm; }}
.hl {{ font-size: 11pt; color: #555; margin-bottom: 4mm; }}
.sec {{ display: grid; grid-template-columns: 38mm 1fr; margin-bottom: 3.5mm; }}
.sec > .h {{ text-align: right; padding: 0 4mm 0 0; border-right: 1.6pt solid {acc}; color: {acc}; font-weight: bold;
            font-size: 8.6pt; text-transform: uppercase; letter-spacing: 0.3pt; }}
.sec > .b {{ padding-left: 5mm; }}
.kv {{ display: grid; grid-template-columns: 24mm 1fr; }} .kv .k {{ color: #666; }}
.ent {{ margin-bottom: 2.6mm; }}
.ent .co {{ display: flex; justify-content: space-between; }} .ent .co b {{ font-size: 10.2pt; }}
.ent .t {{ font-style: italic; color: #333; }} .ent .d {{ color: #555; white-space: nowrap; }}
ul {{ margin: 0.6mm 0 0 0; padding-left: 4.5mm; }} li {{ margin: 0.3mm 0; }}
p {{ margin: 0 0 1mm 0; }}
"""
    n = r['name']['printed']
    b = f'<h1><span class="lb">{esc(r["label"])}</span>{esc(n)}</h1><div class="hl">{esc(r["headline"])}</div>'
    labels = r['opts']['contact_labels']
    b += ('<div class="sec"><div class="h">' + esc(r['opts']['contact_heading']) + '</div><div class="b">' +
          ''.join(f'<div class="kv"><span class="k">{esc(labels[k])}</span><span>{esc(v)}</span></div>'
                  for k, v in contacts(r)) + '</div></div>')
    b += f'<div class="sec"><div class="h">{H(r, "summary")}</div><div class="b"><p>{esc(r["summary"])}</p></div></div>'
    ex = ''
    for e in r['exp']:
        city = f', {esc(e["city"])}' if e.get('city') else ''
        ex += (f'<div class="ent"><div class="co"><span><b>{esc(e["company"])}</b>{city}</span>'
               f'<span class="d">{esc(date_range(r, e))}</span></div><div class="t">{esc(e["title"])}</div>{ul(e["bullets"])}</div>')
    b += f'<div class="sec"><div class="h">{H(r, "exp")}</div><div class="b">{ex}</div></div>'
    ed = ''.join(f'<div class="ent"><div class="co"><span><b>{esc(e["inst"])}</b></span><span class="d">{esc(edu_year(e))}</span></div>'
                 f'<div class="t">{esc(edu_line(e))}</div></div>' for e in r['edu'])
    b += f'<div class="sec"><div class="h">{H(r, "edu")}</div><div class="b">{ed}</div></div>'
    b += f'<div class="sec"><div class="h">{H(r, "skills")}</div><div class="b">{skills_rows_html(r)}</div></div>'
    if r.get('certs'):
        b += f'<div class="sec"><div class="h">{H(r, "certs")}</div><div class="b">{ul(r["certs"])}</div></div>'
    b += f'<div class="sec"><div class="h">{H(r, "langs")}</div><div class="b"><p>{esc(", ".join(r["langs"]))}</p></div></div>'
    return page(r, css, b)


# ---- t05: plain ATS text, all-caps headings, no spacing between roles
def html_ats(r):
    css = """
@page { size: @SIZE@; margin: 20mm 20mm 20mm 20mm; }
body { margin: 0; font: 10.5pt/1.3 'Liberation Sans', sans-serif; color: #000; }
p { margin: 0; } .h { margin-top: 4mm; font-weight: bold; } .gap { height: 1.5mm; }
"""
    L = [f'<p style="font-size:14pt;font-weight:bold">{esc(r["name"]["printed"])}</p>', f'<p>{esc(r["headline"])}</p>']
    L.append('<p>' + esc(' | '.join(v for k, v in contacts(r))) + '</p>')
    L.append(f'<p class="h">{H(r, "summary").upper()}</p><p>{esc(r["summary"])}</p>')
    L.append(f'<p class="h">{H(r, "exp").upper()}</p>')
    for e in r['exp']:
        city = f', {e["city"]}' if e.get('city') else ''
        L.append(f'<p>{esc(e["company"] + city)}</p><p>{esc(e["title"])} | {esc(date_range(r, e))}</p>')
        L += [f'<p>- {esc(x)}</p>' for x in e['bullets']]
    L.append(f'<p class="h">{H(r, "edu").upper()}</p>')
    for e in r['edu']:
        L.append(f'<p>{esc(edu_line(e))}, {esc(e["inst"])}, {esc(edu_year(e))}</p>')
    L.append(f'<p class="h">{H(r, "skills").upper()}</p>')
    L += [f'<p>{esc(l)}: {esc(t)}</p>' if l else f'<p>{esc(t)}</p>' for l, t in r['skills_section']]
    if r.get('certs'):
        L.append(f'<p class="h">{H(r, "certs").upper()}</p>')
        L += [f'<p>{esc(c)}</p>' for c in r['certs']]
    L.append(f'<p class="h">{H(r, "langs").upper()}</p><p>{esc(", ".join(r["langs"]))}</p>')
    return page(r, css, '\n'.join(L))


# ---- t06: experience table with a column-header row (Period | Role | Company)
def html_table(r):
    css = """
@page { size: @SIZE@; margin: 14mm 14mm 14mm 14mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 9.6pt/1.35 'DejaVu Sans', sans-serif; color: #222; }
.top { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 2pt solid #8b0000; padding-bottom: 2mm; }
h1 { margin: 0; font-size: 22pt; } h1 .cjk { font-family: 'Noto Sans CJK SC', sans-serif; font-weight: normal; margin-left: 4mm; color: #8b0000; }
.hl { font-size: 11pt; color: #555; }
.ct { text-align: right; font-size: 8.6pt; line-height: 1.45; }
h2 { font-size: 10.5pt; background: #f1e6e6; padding: 1mm 2mm; margin: 4.5mm 0 2mm 0; text-transform: uppercase; }
table.x { border-collapse: collapse; width: 100%; }
table.x th { text-align: left; font-size: 8.6pt; color: #fff; background: #8b0000; padding: 1.2mm 2mm; }
table.x td { padding: 1.2mm 2mm; vertical-align: top; border-bottom: 0.5pt solid #ddd; }
table.x td.p { white-space: nowrap; width: 33mm; } table.x td.r { font-weight: bold; }
table.x tr.b td { border-bottom: 0.9pt solid #bbb; padding-top: 0; }
ul { margin: 0; padding-left: 4.5mm; } li { margin: 0.3mm 0; } p { margin: 0 0 1mm 0; }
"""
    n = r['name']
    b = f'<div class="top"><div><h1>{esc(n["printed"])}<span class="cjk">{esc(n["native_printed"])}</span></h1>'
    b += f'<div class="hl">{esc(r["headline"])}</div></div><div class="ct">'
    b += '<br>'.join(esc(v) for k, v in contacts(r)) + '</div></div>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p><h2>{H(r, "exp")}</h2>'
    cols = r['opts']['exp_cols']
    b += '<table class="x"><tr>' + ''.join(f'<th>{esc(c)}</th>' for c in cols) + '</tr>'
    for e in r['exp']:
        b += (f'<tr><td class="p">{esc(date_range(r, e))}</td><td class="r">{esc(e["title"])}</td>'
              f'<td>{esc(e["company"])}</td></tr><tr class="b"><td></td><td colspan="2">{ul(e["bullets"])}</td></tr>')
    b += '</table>'
    b += f'<h2>{H(r, "edu")}</h2><table class="x"><tr>' + ''.join(f'<th>{esc(c)}</th>' for c in r['opts']['edu_cols']) + '</tr>'
    for e in r['edu']:
        b += f'<tr><td class="p">{esc(edu_year(e))}</td><td class="r">{esc(edu_line(e))}</td><td>{esc(e["inst"])}</td></tr>'
    b += '</table>'
    b += f'<h2>{H(r, "skills")}</h2>' + skills_rows_html(r)
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    b += f'<h2>{H(r, "langs")}</h2><p>{esc("; ".join(r["langs"]))}</p>'
    return page(r, css, b)


# ---- t08: two pages, running header + footer on every page (position: fixed + table spacer)
def html_running(r):
    n = r['name']
    css = """
@page { size: @SIZE@; margin: 11mm 17mm 12mm 17mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7.5pt 'Liberation Sans'; color: #666; } }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 10pt/1.42 'Liberation Sans', sans-serif; color: #1d1d1d; }
.rh { position: fixed; top: 0; left: 0; right: 0; font-size: 7.8pt; color: #555; border-bottom: 0.5pt solid #aaa;
      padding-bottom: 1mm; display: flex; justify-content: space-between; }
.rh .cjk, h1 .cjk { font-family: 'Noto Sans CJK JP', sans-serif; }
.rf { position: fixed; bottom: 0; left: 0; font-size: 7.5pt; color: #666; }
table.pg { border-collapse: collapse; width: 100%; } table.pg > * > tr > td { padding: 0; }
h1 { font-size: 22pt; margin: 0; } h1 .cjk { font-weight: normal; font-size: 17pt; margin-left: 5mm; color: #335; }
.hl { font-size: 12pt; color: #335; margin: 1mm 0 1mm 0; }
.ct { font-size: 9pt; color: #444; }
h2 { font-size: 11pt; color: #223366; border-bottom: 1pt solid #223366; margin: 5mm 0 2mm 0; padding-bottom: 0.5mm; }
.row { display: flex; justify-content: space-between; margin-top: 3mm; break-inside: avoid; }
.row .d { white-space: nowrap; color: #555; } .loc { color: #666; font-size: 9pt; }
ul { margin: 0.6mm 0 0 0; padding-left: 5mm; } li { margin: 0.4mm 0; }
p { margin: 0 0 1.2mm 0; }
"""
    cjk = f' <span class="cjk">{esc(n["native_printed"])}</span>' if n.get('native_printed') else ''
    rh = (f'<div class="rh"><span>{esc(n["printed"])}{cjk} — {esc(r["headline"])}</span>'
          f'<span>{esc(r["email"])} · {esc(r["phone"])}</span></div>')
    rf = f'<div class="rf">{esc(r["running_footer"])}</div>'
    b = f'<h1>{esc(n["printed"])}{cjk}</h1><div class="hl">{esc(r["headline"])}</div>'
    b += '<div class="ct">' + ' · '.join(esc(v) for k, v in contacts(r)) + '</div>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p><h2>{H(r, "exp")}</h2>'
    for e in r['exp']:
        b += (f'<div class="row"><span><b>{esc(e["title"])}</b> — {esc(e["company"])}</span><span class="d">{esc(date_range(r, e))}</span></div>'
              f'<div class="loc">{esc(e.get("city", ""))}</div>{ul(e["bullets"])}')
    b += extra_sections_html(r)
    b += f'<h2>{H(r, "edu")}</h2>'
    for e in r['edu']:
        b += f'<div class="row"><span><b>{esc(edu_line(e))}</b> — {esc(e["inst"])}</span><span class="d">{esc(edu_year(e))}</span></div>'
    b += f'<h2>{H(r, "skills")}</h2>' + skills_rows_html(r)
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    b += f'<h2>{H(r, "langs")}</h2><p>{esc(", ".join(r["langs"]))}</p>'
    body = (rh + rf + '<table class="pg"><thead><tr><td><div style="height:9mm"></div></td></tr></thead>'
            '<tfoot><tr><td><div style="height:7mm"></div></td></tr></tfoot><tbody><tr><td>' + b + '</td></tr></tbody></table>')
    return page(r, css, body)


# ---- t10: several roles under one employer line
def html_grouped(r):
    css = """
@page { size: @SIZE@; margin: 15mm 18mm 15mm 18mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 10pt/1.38 'Liberation Sans', sans-serif; color: #222; }
h1 { font-size: 24pt; font-weight: normal; margin: 0; color: #2d5f2e; }
.hl { font-size: 11.5pt; margin: 0.5mm 0 1.5mm 0; }
.ct { font-size: 8.8pt; color: #555; } .ct span + span:before { content: " • "; }
h2 { font-size: 10pt; letter-spacing: 2pt; text-transform: uppercase; color: #2d5f2e; margin: 5mm 0 1.5mm 0; }
.emp { display: flex; justify-content: space-between; border-bottom: 0.5pt solid #ccc; margin-top: 2.8mm; padding-bottom: 0.4mm; }
.emp b { font-size: 10.6pt; } .emp .city { color: #666; }
.role { display: flex; justify-content: space-between; margin-top: 1.2mm; font-style: italic; }
.role .d { white-space: nowrap; color: #444; font-style: normal; }
ul { margin: 0.5mm 0 0 0; padding-left: 5mm; } li { margin: 0.3mm 0; } p { margin: 0 0 1mm 0; }
"""
    b = f'<h1>{esc(r["name"]["printed"])}</h1><div class="hl">{esc(r["headline"])}</div>'
    b += '<div class="ct">' + ''.join(f'<span>{esc(v)}</span>' for k, v in contacts(r)) + '</div>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p><h2>{H(r, "exp")}</h2>'
    for g in groups(r['exp']):
        b += f'<div class="emp"><b>{esc(g[0]["company"])}</b><span class="city">{esc(g[0].get("city", ""))}</span></div>'
        for e in g:
            b += f'<div class="role"><span>{esc(e["title"])}</span><span class="d">{esc(date_range(r, e))}</span></div>{ul(e["bullets"])}'
    b += f'<h2>{H(r, "edu")}</h2>'
    for e in r['edu']:
        b += f'<div class="role" style="font-style:normal"><span><b>{esc(e["inst"])}</b>, {esc(edu_line(e))}</span><span class="d">{esc(edu_year(e))}</span></div>'
    b += f'<h2>{H(r, "skills")}</h2>' + skills_rows_html(r)
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    b += f'<h2>{H(r, "langs")}</h2><p>{esc(" • ".join(r["langs"]))}</p>'
    return page(r, css, b)


# ---- t11: company-first, city right-aligned on the employer line, title line with dates right
def html_cityright(r):
    css = """
@page { size: @SIZE@; margin: 14mm 16mm 14mm 16mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 9.9pt/1.36 'DejaVu Sans', sans-serif; color: #222; }
.top { background: #f4b400; padding: 5mm 6mm; margin-bottom: 3mm; }
h1 { margin: 0; font-size: 22pt; color: #111; } .hl { font-size: 11pt; }
.ct { font-size: 8.6pt; margin-top: 1.5mm; } .ct span { margin-right: 5mm; white-space: nowrap; }
h2 { font-size: 10.5pt; text-transform: uppercase; border-left: 3pt solid #f4b400; padding-left: 2mm; margin: 4.5mm 0 1.6mm 0; }
.emp { display: flex; justify-content: space-between; margin-top: 2.6mm; font-weight: bold; font-size: 10.3pt; }
.emp .city { font-weight: normal; color: #666; font-size: 9pt; }
.ttl { display: flex; justify-content: space-between; font-style: italic; }
.ttl .d { font-style: normal; color: #555; white-space: nowrap; }
ul { margin: 0.5mm 0 0 0; padding-left: 5mm; } li { margin: 0.3mm 0; } p { margin: 0 0 1mm 0; }
.two { display: grid; grid-template-columns: 1fr 1fr; column-gap: 8mm; }
"""
    b = f'<div class="top"><h1>{esc(r["name"]["printed"])}</h1><div class="hl">{esc(r["headline"])}</div>'
    b += '<div class="ct">' + ''.join(f'<span>{esc(v)}</span>' for k, v in contacts(r)) + '</div></div>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p><h2>{H(r, "exp")}</h2>'
    for e in r['exp']:
        b += (f'<div class="emp"><span>{esc(e["company"])}</span><span class="city">{esc(e.get("city", ""))}</span></div>'
              f'<div class="ttl"><span>{esc(e["title"])}</span><span class="d">{esc(date_range(r, e))}</span></div>{ul(e["bullets"])}')
    b += '<div class="two"><div>'
    b += f'<h2>{H(r, "edu")}</h2>'
    for e in r['edu']:
        b += f'<p><b>{esc(edu_line(e))}</b><br>{esc(e["inst"])}, {esc(edu_year(e))}</p>'
    b += f'<h2>{H(r, "langs")}</h2>' + ''.join(f'<p>{esc(l)}</p>' for l in r['langs'])
    b += f'</div><div><h2>{H(r, "skills")}</h2>' + skills_rows_html(r)
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ''.join(f'<p>{esc(c)}</p>' for c in r['certs'])
    b += '</div></div>'
    return page(r, css, b)


# ---- t12: header split in two columns, skills as a grid of chips
def html_chips(r):
    acc = '#3b3b98'
    css = f"""
@page {{ size: @SIZE@; margin: 13mm 15mm 13mm 15mm; }}
* {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ margin: 0; font: 9.7pt/1.36 'Liberation Sans', sans-serif; color: #222; }}
.top {{ display: grid; grid-template-columns: 1.3fr 1fr; align-items: end; border-bottom: 1pt solid {acc}; padding-bottom: 2mm; }}
h1 {{ font-size: 23pt; margin: 0; color: {acc}; line-height: 1.1; }} .hl {{ font-size: 11pt; margin-top: 1mm; }}
.ct {{ text-align: right; font-size: 8.6pt; line-height: 1.5; }}
h2 {{ font-size: 10.5pt; color: {acc}; text-transform: uppercase; margin: 4.2mm 0 1.6mm 0; letter-spacing: 0.6pt; }}
.grid {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 1.5mm; }}
.grid div {{ background: #ecebfa; border-radius: 1.5mm; padding: 1mm 2mm; font-size: 8.8pt; text-align: center; }}
.row {{ display: flex; justify-content: space-between; margin-top: 2.4mm; }}
.row .d {{ white-space: nowrap; color: #666; font-size: 8.8pt; }}
ul {{ margin: 0.5mm 0 0 0; padding-left: 5mm; }} li {{ margin: 0.3mm 0; }} p {{ margin: 0 0 1mm 0; }}
"""
    b = f'<div class="top"><div><h1>{esc(r["name"]["printed"])}</h1><div class="hl">{esc(r["headline"])}</div></div>'
    b += '<div class="ct">' + '<br>'.join(esc(v) for k, v in contacts(r)) + '</div></div>'
    b += f'<h2>{H(r, "summary")}</h2><p>{esc(r["summary"])}</p>'
    b += f'<h2>{H(r, "skills")}</h2><div class="grid">'
    for lbl, txt in r['skills_section']:
        b += ''.join(f'<div>{esc(s.strip())}</div>' for s in txt.split(','))
    b += '</div>'
    b += f'<h2>{H(r, "exp")}</h2>'
    for e in r['exp']:
        city = f', {esc(e["city"])}' if e.get('city') else ''
        b += (f'<div class="row"><span><b>{esc(e["title"])}</b> — {esc(e["company"])}{city}</span>'
              f'<span class="d">{esc(date_range(r, e))}</span></div>{ul(e["bullets"])}')
    b += f'<h2>{H(r, "edu")}</h2>'
    for e in r['edu']:
        b += f'<div class="row"><span><b>{esc(edu_line(e))}</b> — {esc(e["inst"])}</span><span class="d">{esc(edu_year(e))}</span></div>'
    if r.get('certs'):
        b += f'<h2>{H(r, "certs")}</h2>' + ul(r['certs'])
    b += f'<h2>{H(r, "langs")}</h2><p>{esc(" · ".join(r["langs"]))}</p>'
    return page(r, css, b)


HTML_LAYOUTS = {
    'classic_right': html_classic_right, 'sidebar': html_sidebar, 'leftdates': html_leftdates,
    'sidecol': html_sidecol, 'ats': html_ats, 'table': html_table, 'running': html_running,
    'grouped': html_grouped, 'cityright': html_cityright, 'chips': html_chips,
}


def chromium_bin():
    for c in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(c):
            return shutil.which(c)
    raise SystemExit('chromium not found')


def render_pdf(r, out_pdf, tmpdir, keep_html=False):
    src = HTML_LAYOUTS[r['layout']](r)
    hp = os.path.join(tmpdir, r['id'] + '.html')
    with open(hp, 'w', encoding='utf-8') as f:
        f.write(src)
    if keep_html:
        os.makedirs(keep_html, exist_ok=True)
        shutil.copy(hp, os.path.join(keep_html, r['id'] + '.html'))
    cmd = [chromium_bin(), '--headless=new', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer',
           f'--print-to-pdf={out_pdf}', 'file://' + hp]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return out_pdf


def pdf_text(path):
    d = pdfium.PdfDocument(path)
    pages = [d[i].get_textpage().get_text_range() for i in range(len(d))]
    return '\n'.join(pages), len(pages)


# =========================================================================== DOCX layouts
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


# ---- t13: experience in a table, contact only in page header/footer, two pages
def docx_table_hf(r):
    d = new_doc(r, font='Calibri', size=10.5, margins=(2.6, 2.0, 2.2, 2.0))
    sec = d.sections[0]
    hp = sec.header.paragraphs[0]
    add_run(hp, r['name']['printed'], bold=True, size=16, color='0B3D5C')
    add_run(hp, '\t\t' + r['headline'], size=10, color='555555')
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(fp, '  |  '.join(v for k, v in contacts(r)), size=8.5, color='555555')
    heading(d, H(r, 'summary'), color='0B3D5C')
    para(d, r['summary'])
    heading(d, H(r, 'exp'), color='0B3D5C')
    t = d.add_table(rows=0, cols=2)
    no_borders(t)
    for g in groups(r['exp']):
        row = t.add_row()
        row.cells[0].text = ''
        c = row.cells[1]
        p = c.paragraphs[0]
        add_run(p, g[0]['company'], bold=True, size=11, color='0B3D5C')
        if g[0].get('city'):
            add_run(p, f", {g[0]['city']}", color='555555')
        for e in g:
            row = t.add_row()
            dp = row.cells[0].paragraphs[0]
            add_run(dp, date_range(r, e), size=9.5, color='444444')
            c = row.cells[1]
            add_run(c.paragraphs[0], e['title'], bold=True)
            bullets(c, e['bullets'])
    set_col_width(t, 0, Cm(3.6))
    set_col_width(t, 1, Cm(13.4))
    for title, paras in r.get('extra', []):
        heading(d, title, color='0B3D5C')
        bullets(d, paras)
    # the second page starts with education (as many two-page resumes do after a long experience section)
    p = d.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    heading(d, H(r, 'edu'), color='0B3D5C')
    for e in r['edu']:
        p = para(d)
        add_run(p, edu_line(e), bold=True)
        add_run(p, f" — {e['inst']}, {edu_year(e)}")
    heading(d, H(r, 'skills'), color='0B3D5C')
    st = d.add_table(rows=0, cols=2)
    st.style = 'Table Grid'
    for lbl, txt in r['skills_section']:
        row = st.add_row()
        row.cells[0].text = lbl
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.cells[1].text = txt
    set_col_width(st, 0, Cm(4.0))
    set_col_width(st, 1, Cm(13.0))
    if r.get('certs'):
        heading(d, H(r, 'certs'), color='0B3D5C')
        bullets(d, r['certs'])
    heading(d, H(r, 'langs'), color='0B3D5C')
    para(d, ', '.join(r['langs']))
    return d


# ---- t14 / t17: title line with a right-aligned tab stop for the dates
def docx_tabs(r):
    o = r['opts']
    d = new_doc(r, font=o.get('font', 'Arial'), size=10, margins=(1.8, 1.9, 1.8, 1.9))
    tw = text_width(d)
    acc = o.get('accent', '2E5E4E')
    p = para(d, space_after=0)
    if o.get('label_glued'):
        add_run(p, r['label'], size=20, color='777777')
    add_run(p, r['name']['printed'], bold=True, size=20, color=acc)
    para(d, r['headline'], size=12, color='444444', space_after=2)
    p = para(d, '  ·  '.join(v for k, v in contacts(r)), size=9, space_after=6)
    bottom_border(p, acc, 12)
    heading(d, H(r, 'summary'), color=acc, caps=False, rule=False, size=12)
    para(d, r['summary'])
    heading(d, H(r, 'exp'), color=acc, caps=False, rule=False, size=12)
    for e in r['exp']:
        p = para(d, space_before=5, space_after=0)
        p.paragraph_format.tab_stops.add_tab_stop(tw, WD_TAB_ALIGNMENT.RIGHT)
        add_run(p, e['title'], bold=True)
        add_run(p, '\t' + date_range(r, e), color='444444')
        p = para(d, space_after=1)
        add_run(p, e['company'] + (f", {e['city']}" if e.get('city') else ''), italic=True)
        bullets(d, e['bullets'])
    heading(d, H(r, 'edu'), color=acc, caps=False, rule=False, size=12)
    for e in r['edu']:
        p = para(d, space_after=0)
        p.paragraph_format.tab_stops.add_tab_stop(tw, WD_TAB_ALIGNMENT.RIGHT)
        add_run(p, edu_line(e), bold=True)
        add_run(p, '\t' + edu_year(e))
        para(d, e['inst'], italic=True)
    heading(d, H(r, 'skills'), color=acc, caps=False, rule=False, size=12)
    for lbl, txt in r['skills_section']:
        p = para(d, space_after=1)
        add_run(p, lbl + ': ', bold=True)
        add_run(p, txt)
    if r.get('certs'):
        heading(d, H(r, 'certs'), color=acc, caps=False, rule=False, size=12)
        bullets(d, r['certs'])
    heading(d, H(r, 'langs'), color=acc, caps=False, rule=False, size=12)
    para(d, ' | '.join(r['langs']))
    return d


# ---- t15: two-column layout table with a shaded left sidebar
def docx_sidebar(r):
    d = new_doc(r, font='Calibri', size=10, margins=(1.3, 1.3, 1.3, 1.3))
    t = d.add_table(rows=1, cols=2)
    no_borders(t)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    side, main = t.rows[0].cells
    side.width, main.width = Cm(6.0), Cm(12.4)
    shade(side, 'E8EEF4')
    p = side.paragraphs[0]
    add_run(p, r['name']['printed'], bold=True, size=19, color='1B365D')
    para(side, r['headline'], size=11, color='1B365D', space_after=8)

    def sh(c, text):
        para(c, text.upper(), bold=True, size=10, color='1B365D', space_before=8, space_after=2)
    sh(side, H(r, 'contact'))
    for k, v in contacts(r):
        para(side, v, size=9, space_after=1)
    sh(side, H(r, 'skills'))
    for lbl, txt in r['skills_section']:
        para(side, lbl, bold=True, size=9, space_after=0)
        para(side, txt, size=9, space_after=3)
    sh(side, H(r, 'edu'))
    for e in r['edu']:
        para(side, edu_line(e), bold=True, size=9, space_after=0)
        para(side, f"{e['inst']}, {edu_year(e)}", size=9, space_after=3)
    sh(side, H(r, 'langs'))
    for l in r['langs']:
        para(side, l, size=9, space_after=0)
    mp = main.paragraphs[0]
    add_run(mp, H(r, 'summary').upper(), bold=True, size=11, color='1B365D')
    para(main, r['summary'], space_after=6)
    para(main, H(r, 'exp').upper(), bold=True, size=11, color='1B365D', space_before=6)
    for e in r['exp']:
        para(main, e['company'], bold=True, size=10.5, space_before=6, space_after=0)
        p = para(main, space_after=1)
        add_run(p, e['title'], italic=True)
        add_run(p, '   ' + date_range(r, e), color='555555')
        bullets(main, e['bullets'])
    if r.get('certs'):
        para(main, H(r, 'certs').upper(), bold=True, size=11, color='1B365D', space_before=8)
        bullets(main, r['certs'])
    return d


# ---- t16: plain ATS DOCX, all-caps headings, company line glued to the previous bullet
def docx_ats(r):
    d = new_doc(r, font='Times New Roman', size=11, margins=(2.54, 2.54, 2.54, 2.54))
    para(d, r['name']['printed'], bold=True, size=14, space_after=0)
    para(d, ' | '.join(v for k, v in contacts(r)), space_after=0)
    para(d, r['headline'])
    para(d, H(r, 'summary').upper(), bold=True, space_before=10)
    para(d, r['summary'])
    para(d, H(r, 'exp').upper(), bold=True, space_before=10)
    for e in r['exp']:
        para(d, f"{e['company']}, {e['city']}" if e.get('city') else e['company'], bold=True, space_after=0)
        para(d, f"{e['title']}, {date_range(r, e)}", space_after=0)
        for b in e['bullets']:
            para(d, '• ' + b, space_after=0)
    para(d, H(r, 'edu').upper(), bold=True, space_before=10)
    for e in r['edu']:
        para(d, f"{edu_line(e)}, {e['inst']}, {edu_year(e)}", space_after=0)
    para(d, H(r, 'skills').upper(), bold=True, space_before=10)
    for lbl, txt in r['skills_section']:
        para(d, f'{lbl}: {txt}' if lbl else txt, space_after=0)
    if r.get('certs'):
        para(d, H(r, 'certs').upper(), bold=True, space_before=10)
        for c in r['certs']:
            para(d, c, space_after=0)
    para(d, H(r, 'langs').upper(), bold=True, space_before=10)
    para(d, ', '.join(r['langs']))
    return d


# ---- t18: experience table whose first row is a column-header row
def docx_table_header(r):
    o = r['opts']
    d = new_doc(r, font='Calibri', size=10, margins=(1.8, 1.8, 1.8, 1.8))
    para(d, r['name']['printed'], bold=True, size=20, color='6B2C5F', space_after=0)
    para(d, r['headline'], size=12, space_after=2)
    para(d, '  |  '.join(v for k, v in contacts(r)), size=9, space_after=6)
    heading(d, H(r, 'summary'), color='6B2C5F')
    para(d, r['summary'])
    heading(d, H(r, 'exp'), color='6B2C5F')
    t = d.add_table(rows=1, cols=3)
    t.style = 'Table Grid'
    for i, h in enumerate(o['exp_cols']):
        c = t.rows[0].cells[i]
        c.text = h
        c.paragraphs[0].runs[0].bold = True
        shade(c, 'E9DDE7')
    for e in r['exp']:
        row = t.add_row()
        row.cells[0].text = date_range(r, e)
        add_run(row.cells[1].paragraphs[0], e['title'], bold=True)
        bullets(row.cells[1], e['bullets'])
        row.cells[2].text = e['company']
    set_col_width(t, 0, Cm(3.4))
    set_col_width(t, 1, Cm(9.6))
    set_col_width(t, 2, Cm(4.4))
    heading(d, H(r, 'edu'), color='6B2C5F')
    for e in r['edu']:
        p = para(d, space_after=1)
        add_run(p, edu_line(e), bold=True)
        add_run(p, f" – {e['inst']} ({edu_year(e)})")
    heading(d, H(r, 'skills'), color='6B2C5F')
    for lbl, txt in r['skills_section']:
        p = para(d, space_after=1)
        add_run(p, lbl + ': ', bold=True)
        add_run(p, txt)
    if r.get('certs'):
        heading(d, H(r, 'certs'), color='6B2C5F')
        bullets(d, r['certs'])
    heading(d, H(r, 'langs'), color='6B2C5F')
    para(d, ' · '.join(r['langs']))
    return d


DOCX_LAYOUTS = {'table_hf': docx_table_hf, 'tabs': docx_tabs, 'sidebar': docx_sidebar, 'ats': docx_ats,
                'table_header': docx_table_header}


def docx_text(path):
    d = docx.Document(path)
    parts = []
    for s in d.sections:
        parts.append(s.header._element)
    parts.append(d.element.body)
    for s in d.sections:
        parts.append(s.footer._element)
    out = []
    W = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
    for part in parts:
        for p in part.iter(W + 'p'):
            s = ''
            for node in p.iter():
                if node.tag == W + 't':
                    s += node.text or ''
                elif node.tag == W + 'tab':
                    s += '\t'
                elif node.tag in (W + 'br', W + 'cr'):
                    s += '\n'
            out.append(s)
    return '\n'.join(out)


# =========================================================================== ground truth + checks
def ground_truth(r, pages):
    n = r['name']
    exps = [{'job_title': e['title'], 'company_name': e['company'], 'start_date': e['start'], 'end_date': e['end'],
             'is_current': e['end'] is None} for e in r['exp']]
    months = months_covered(r['exp'])
    skills = sorted(r['skills'])
    sec_text = norm_ws(' \n '.join(f'{l} {t}' for l, t in r['skills_section']))
    naive, _ = detect_skills(sec_text)
    in_sec = sorted(naive)
    gt = {
        'file': f"{r['id']}.{r['fmt']}",
        'first_name': n['first'], 'last_name': n['last'],
    }
    if n.get('variants'):
        gt['accepted_name_variants'] = n['variants']
    if n.get('native'):
        gt['name_native'] = n['native']
    gt.update({
        'email': r.get('email'),
        'phone': r['phone'], 'phone_e164': e164(r),
        'linkedin_url': norm_linkedin(r.get('linkedin')),
        'github_url': norm_github(r.get('github')),
        'portfolio_url': norm_url(r.get('portfolio')),
        'location': r['location'], 'headline': r['headline'],
        'skills': skills, 'skills_in_skills_section': in_sec,
        'skills_only_in_prose': sorted(set(skills) - set(in_sec)),
        'experience': exps,
        'education': [{'degree': e['degree'], 'degree_level': e['level'], 'institution': e['inst'],
                       'field_of_study': e.get('field'), 'end_year': e['year'], 'expected': e.get('expected', False)}
                      for e in r['edu']],
        'certifications': r.get('certs', []),
        'languages': r['langs'],
        'total_years_experience': round(months / 12, 1),
        'total_months_experience': months,
        'as_of': AS_OF,
        'pages': pages,
        'layout': r['layout_name'],
        'document_language': r['lang'],
        'tool': 'chromium-html' if r['fmt'] == 'pdf' else 'python-docx',
        'set': 'tuned',
        'notes': r['notes'],
    })
    return gt


def check(r, text, gt):
    errs = []
    t = norm_ws(text)
    tl = t.lower()

    skip = set(r.get('skip_checks', []))

    def need(s, what, ci=True):
        if what in skip:
            return
        if s and norm_ws(s).lower() not in tl:
            errs.append(f'{what} not found in rendered text: {s!r}')
    need(r['name']['printed'], 'printed name')
    for part in (gt['first_name'], gt['last_name']):
        if r['name'].get('check_parts', True):
            need(part, 'name part')
    if gt.get('name_native'):
        need(r['name']['native_printed'], 'native name')
    need(r.get('email'), 'email')
    need(r['phone'], 'phone')
    need(r.get('linkedin'), 'linkedin')
    need(r.get('github'), 'github')
    need(r['headline'], 'headline')
    need(r['location'], 'location')
    for e in r['exp']:
        need(e['company'], 'company')
        need(e['title'], 'job title')
        need(date_range(r, e).replace('\n', ' '), 'date range')
        if (e['end'] is None) != (e.get('end') is None):
            errs.append('end/current mismatch')
        if e['end'] and e['end'] < e['start']:
            errs.append(f'end before start: {e}')
    for e in r['edu']:
        need(e['degree'], 'degree')
        need(e['inst'], 'institution')
        need(e.get('field'), 'field of study')
    for c in r.get('certs', []):
        need(c, 'certification')
    for l in r['langs']:
        need(l, 'language')
    if r.get('email') is None and re.search(r'[\w.+-]+@[\w-]+\.\w', t):
        errs.append('email is null but an e-mail address is printed')
    naive, longest = detect_skills(t)
    if naive != longest:
        errs.append(f'ambiguous overlapping surface forms: naive-only {sorted(naive - longest)}, '
                    f'longest-only {sorted(longest - naive)}')
    declared = set(r['skills'])
    unknown = declared - set(TAX)
    if unknown:
        errs.append(f'non-canonical skills declared: {sorted(unknown)}')
    if naive - declared:
        hits = {c: [f for f, cc, p in PATS if cc == c and p.search(t)] for c in naive - declared}
        errs.append(f'skills found in text but not declared: {hits}')
    if declared - naive:
        errs.append(f'declared skills not found in text: {sorted(declared - naive)}')
    if not set(gt['skills_in_skills_section']) <= declared:
        errs.append('skills section lists skills outside skills')
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=DEFAULT_OUT)
    ap.add_argument('--only', default='')
    ap.add_argument('--keep-html', metavar='DIR', default='', help='also copy the intermediate HTML files to DIR')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    only = set(filter(None, a.only.split(',')))
    failed = False
    with tempfile.TemporaryDirectory(prefix='wild-tuned-') as tmp:
        for r in RESUMES:
            if only and r['id'] not in only:
                continue
            path = os.path.join(a.out, f"{r['id']}.{r['fmt']}")
            if r['fmt'] == 'pdf':
                render_pdf(r, path, tmp, a.keep_html)
                text, pages = pdf_text(path)
            else:
                DOCX_LAYOUTS[r['layout']](r).save(path)
                text, pages = docx_text(path), r['pages']
            gt = ground_truth(r, pages)
            if r['fmt'] == 'pdf' and r.get('pages') and r['pages'] != pages:
                print(f"{r['id']}: expected {r['pages']} page(s), got {pages}")
                failed = True
            errs = check(r, text, gt)
            with open(os.path.join(a.out, f"{r['id']}.json"), 'w', encoding='utf-8') as f:
                json.dump(gt, f, ensure_ascii=False, indent=2)
                f.write('\n')
            status = 'ok' if not errs else 'FAIL'
            print(f"{r['id']}.{r['fmt']}: {status} pages={pages} months={gt['total_months_experience']} "
                  f"skills={len(gt['skills'])}")
            for e in errs:
                print('   -', e)
            failed |= bool(errs)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
