# -*- coding: utf-8 -*-
"""HTML/CSS templates, one function per layout. Each returns a full HTML document."""
from common import esc, fmt_range, fmt_range_html, T, edu_line, edu_year, skill_items


def contact_items(r, with_location=True):
    items = []
    if with_location and r.get("location"):
        items.append(r["location"])
    for k in ("phone", "email", "linkedin_printed", "github_printed", "portfolio_printed"):
        if r.get(k):
            items.append(r[k])
    return items


def nw(x):
    """A contact item that must not wrap inside itself."""
    return f"<span style='white-space:nowrap'>{esc(x)}</span>"


def page(css, body, lang):
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>CV</title>'
            f'<style>{css}</style></head><body>{body}</body></html>')


def ul(bullets, cls=""):
    if not bullets:
        return ""
    c = f' class="{cls}"' if cls else ""
    return f"<ul{c}>" + "".join(f"<li>{esc(b)}</li>" for b in bullets) + "</ul>"


def group_roles(r):
    """Consecutive roles at the same company -> [(company, city, [roles])]."""
    groups = []
    for ro in r["roles"]:
        if r.get("group_employer") and groups and groups[-1][0] == ro["company"]:
            groups[-1][2].append(ro)
        else:
            groups.append((ro["company"], ro["city"], [ro]))
    return groups


def simple_list(items):
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def skills_dl(r):
    out = []
    for label, items in skill_items(r):
        txt = ", ".join(items)
        out.append(f"<div class='sk'><b>{esc(label)}:</b> {esc(txt)}</div>" if label else f"<div class='sk'>{esc(txt)}</div>")
    return "".join(out)


# ------------------------------------------------------------------ h01: dates in a left column
def t_leftdates(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 15mm 17mm 14mm 17mm; }
body { font-family: 'DejaVu Sans'; font-size: 8.6pt; color: #222; line-height: 1.35; margin: 0; }
.top { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 2px solid #2b4c7e; padding-bottom: 6px; }
h1 { font-size: 21pt; margin: 0; color: #2b4c7e; font-weight: 600; letter-spacing: .5px; }
.headline { font-size: 10.5pt; color: #555; margin-top: 2px; }
.contact { text-align: right; font-size: 8pt; color: #444; }
h2 { font-size: 9.5pt; text-transform: uppercase; letter-spacing: 1.5px; color: #2b4c7e; margin: 12px 0 5px 0; }
.row { display: grid; grid-template-columns: 19mm 1fr; column-gap: 5mm; margin-bottom: 7px; }
.when { text-align: right; color: #2b4c7e; font-size: 8pt; font-weight: bold; line-height: 1.25; padding-top: 1px; }
.what .t { font-weight: bold; } .what .c { color: #555; }
ul { margin: 2px 0 0 0; padding-left: 13px; } li { margin-bottom: 1px; }
.cols { display: grid; grid-template-columns: 1fr 1fr; column-gap: 8mm; }
.sk { margin-bottom: 2px; }
"""
    b = [f"<div class='top'><div><h1>{esc(r['name_printed'])}</h1><div class='headline'>{esc(r['headline'])}</div></div>"
         f"<div class='contact'>" + "<br>".join(nw(x) for x in contact_items(r)) + "</div></div>"]
    b.append(f"<h2>{T(r,'summary')}</h2><div class='row'><div></div><div>{esc(r['summary'])}</div></div>")
    b.append(f"<h2>{T(r,'experience')}</h2>")
    for ro in r["roles"]:
        b.append(f"<div class='row'><div class='when'>{fmt_range_html(ds, ro['start'], ro['end'])}</div>"
                 f"<div class='what'><div><span class='t'>{esc(ro['title'])}</span></div>"
                 f"<div class='c'>{esc(ro['company'])}, {esc(ro['city'])}</div>{ul(ro['bullets'])}</div></div>")
    b.append(f"<h2>{T(r,'education')}</h2>")
    for e in r["education"]:
        b.append(f"<div class='row'><div class='when'>{esc(edu_year(e, r['lang']))}</div><div><b>{esc(edu_line(e))}</b><br>{esc(e['institution'])}</div></div>")
    b.append(f"<h2>{T(r,'skills')}</h2><div class='row'><div></div><div>{skills_dl(r)}</div></div>")
    b.append("<div class='cols'>"
             f"<div><h2>{T(r,'certifications')}</h2>{simple_list(r['certifications'])}</div>"
             f"<div><h2>{T(r,'languages')}</h2>{simple_list(r['languages'])}</div></div>")
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h02: running header via @page margin boxes
def t_runhead_margin(r):
    ds = r["date_style"]
    head = f"{r['name_printed']}  ·  {r['phone']}  ·  {r['email']}"
    css = """
@page { size: letter; margin: 22mm 19mm 18mm 19mm;
  @top-left { content: "%s"; font: 8.5pt 'Liberation Sans'; color: #555; vertical-align: bottom; padding-bottom: 4mm; }
  @top-right { content: "%s"; font: 8.5pt 'Liberation Sans'; color: #555; vertical-align: bottom; padding-bottom: 4mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8.5pt 'Liberation Sans'; color: #555; }
}
body { font-family: 'Liberation Serif'; font-size: 11.2pt; line-height: 1.42; margin: 0; color: #111; }
h1 { font-family: 'Liberation Sans'; font-size: 24pt; margin: 0 0 2px 0; }
.headline { font-family: 'Liberation Sans'; font-size: 12pt; color: #7a1f1f; margin-bottom: 4px; }
.contact { font-family: 'Liberation Sans'; font-size: 9.5pt; color: #333; }
h2 { break-after: avoid; font-family: 'Liberation Sans'; font-size: 11pt; text-transform: uppercase; letter-spacing: 1px; border-bottom: 1px solid #7a1f1f; color: #7a1f1f; margin: 16px 0 6px; }
.emp { font-family: 'Liberation Sans'; font-weight: bold; font-size: 11.5pt; margin-top: 10px; }
.emp span { font-weight: normal; color: #555; }
.tl { display: flex; justify-content: space-between; margin-top: 4px; }
.tl .t { font-style: italic; font-weight: bold; }
.tl .d { font-family: 'Liberation Sans'; font-size: 9.8pt; white-space: nowrap; }
ul { margin: 2px 0 4px 0; padding-left: 18px; } li { margin-bottom: 2px; }
.sk { margin-bottom: 3px; }
.proj { margin-bottom: 4px; }
""" % (r["name_printed"].replace('"', '\\"'), f"{r['phone']}  ·  {r['email']}")
    b = [f"<h1>{esc(r['name_printed'])}</h1><div class='headline'>{esc(r['headline'])}</div>"
         f"<div class='contact'>{' | '.join(nw(x) for x in contact_items(r))}</div>"]
    b.append(f"<h2>{T(r,'summary')}</h2><p style='margin:0'>{esc(r['summary'])}</p>")
    b.append(f"<h2>{T(r,'experience')}</h2>")
    for comp, city, roles in group_roles(r):
        b.append(f"<div class='emp'>{esc(comp)} <span>— {esc(city)}</span></div>")
        for ro in roles:
            b.append(f"<div class='tl'><span class='t'>{esc(ro['title'])}</span><span class='d'>{esc(fmt_range(ds, ro['start'], ro['end']))}</span></div>{ul(ro['bullets'])}")
    b.append(f"<h2>{T(r,'skills')}</h2>{skills_dl(r)}")
    b.append(f"<h2>{T(r,'projects')}</h2>" + "".join(f"<div class='proj'><b>{esc(a)}.</b> {esc(c)}</div>" for a, c in r["projects"]))
    b.append(f"<h2>{T(r,'education')}</h2>")
    for e in r["education"]:
        b.append(f"<div class='tl'><span><b>{esc(e['institution'])}</b> — {esc(edu_line(e))}</span><span class='d'>{esc(edu_year(e, r['lang']))}</span></div>")
    b.append(f"<h2>{T(r,'certifications')}</h2>{simple_list(r['certifications'])}")
    b.append(f"<h2>{T(r,'languages')}</h2><p style='margin:0'>{esc('; '.join(r['languages']))}</p>")
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h03: section labels in a ruled left column
def t_sidelabel(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 18mm 18mm 16mm 14mm; }
body { font-family: 'Liberation Sans'; font-size: 9.4pt; line-height: 1.4; margin: 0; color: #1d1d1d; }
.lbl { font-size: 10pt; font-variant: small-caps; color: #8a8a8a; }
h1 { font-size: 22pt; font-weight: normal; margin: 0; }
.headline { font-size: 11pt; color: #0b6e4f; }
.contact { font-size: 8.6pt; color: #444; margin-top: 4px; }
.sec { display: grid; grid-template-columns: 31mm 1fr; margin-top: 12px; }
.sec > .name { font-weight: bold; font-size: 9pt; color: #0b6e4f; text-align: right; padding: 0 4mm 0 0; border-right: 2px solid #0b6e4f; }
.sec > .body { padding-left: 5mm; }
.emp { display: flex; justify-content: space-between; font-weight: bold; margin-top: 6px; }
.emp .city { font-weight: normal; color: #666; }
.ti { font-style: italic; }
ul { margin: 2px 0 2px 0; padding-left: 14px; }
table.sk td { padding: 1px 8px 1px 0; vertical-align: top; } table.sk td:first-child { color: #666; }
"""
    c = contact_items(r)
    b = [f"<div class='lbl'>{esc(r['label'])}</div><h1>{esc(r['name_printed'])}</h1><div class='headline'>{esc(r['headline'])}</div>"
         f"<div class='contact'>{' · '.join(esc(x) for x in c)}</div>"]

    def sec(name, body):
        b.append(f"<div class='sec'><div class='name'>{esc(name)}</div><div class='body'>{body}</div></div>")
    sec(T(r, "summary"), esc(r["summary"]))
    exp = []
    for ro in r["roles"]:
        exp.append(f"<div class='emp'><span>{esc(ro['company'])}</span><span class='city'>{esc(ro['city'])}</span></div>"
                   f"<div class='ti'>{esc(ro['title'])}, {esc(fmt_range(ds, ro['start'], ro['end']))}</div>{ul(ro['bullets'])}")
    sec(T(r, "experience"), "".join(exp))
    sec(T(r, "education"), "".join(f"<div><b>{esc(edu_line(e))}</b>, {esc(e['institution'])}, {esc(edu_year(e, r['lang']))}</div>" for e in r["education"]))
    sec(T(r, "skills"), "<table class='sk'>" + "".join(f"<tr><td>{esc(l)}</td><td>{esc(', '.join(i))}</td></tr>" for l, i in skill_items(r)) + "</table>")
    sec(T(r, "languages"), esc(" · ".join(r["languages"])))
    sec(T(r, "certifications"), esc(" · ".join(r["certifications"])))
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h04: sidebar on the right, skills grid
def t_sidebar_right(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 0; }
html, body { margin: 0; height: 100%; }
body { font-family: 'Liberation Sans'; font-size: 9.3pt; line-height: 1.4; color: #2a2a2a; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.wrap { display: flex; min-height: 297mm; }
main { flex: 1; padding: 16mm 9mm 12mm 15mm; }
aside { width: 64mm; background: #eef2f0; padding: 16mm 9mm 12mm 8mm; box-sizing: border-box; }
h1 { font-family: 'DejaVu Serif'; font-size: 23pt; margin: 0; color: #1f3a34; }
.headline { font-size: 11pt; color: #c0562b; margin: 2px 0 10px; }
h2 { font-family: 'DejaVu Serif'; font-size: 11pt; color: #1f3a34; border-bottom: 1px solid #c0562b; margin: 12px 0 6px; padding-bottom: 2px; }
.job { margin-bottom: 8px; }
.job .t { font-weight: bold; font-size: 10pt; }
.job .m { color: #666; font-size: 8.6pt; }
ul { margin: 3px 0 0; padding-left: 14px; }
aside h2 { font-size: 10pt; }
.ct div { margin-bottom: 4px; font-size: 8.6pt; word-break: break-all; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 4px; }
.grid span { background: #fff; border: 1px solid #c9d6d1; border-radius: 3px; padding: 2px 4px; font-size: 8.3pt; text-align: center; }
aside ul { padding-left: 12px; font-size: 8.6pt; }
"""
    m = [f"<h1>{esc(r['name_printed'])}</h1><div class='headline'>{esc(r['headline'])}</div>",
         f"<h2>{T(r,'summary')}</h2><div>{esc(r['summary'])}</div>", f"<h2>{T(r,'experience')}</h2>"]
    for ro in r["roles"]:
        m.append(f"<div class='job'><div class='t'>{esc(ro['title'])}</div>"
                 f"<div class='m'>{esc(ro['company'])} · {esc(ro['city'])} | {esc(fmt_range(ds, ro['start'], ro['end']))}</div>{ul(ro['bullets'])}</div>")
    m.append(f"<h2>{T(r,'education')}</h2>")
    for e in r["education"]:
        m.append(f"<div class='job'><div class='t'>{esc(edu_line(e))}</div><div class='m'>{esc(e['institution'])} | {esc(edu_year(e, r['lang']))}</div></div>")
    a = [f"<h2>{T(r,'contact')}</h2><div class='ct'>" + "".join(f"<div>{esc(x)}</div>" for x in contact_items(r)) + "</div>"]
    items = [i for _, its in skill_items(r) for i in its]
    a.append(f"<h2>{T(r,'skills')}</h2><div class='grid'>" + "".join(f"<span>{esc(i)}</span>" for i in items) + "</div>")
    a.append(f"<h2>{T(r,'languages')}</h2>{simple_list(r['languages'])}")
    a.append(f"<h2>{T(r,'certifications')}</h2>{simple_list(r['certifications'])}")
    return page(css, f"<div class='wrap'><main>{''.join(m)}</main><aside>{''.join(a)}</aside></div>", r["lang"])


# ------------------------------------------------------------------ h05: narrow left sidebar, wrapped name
def t_sidebar_left_narrow(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 0; }
html, body { margin: 0; }
body { font-family: 'DejaVu Sans'; font-size: 8.7pt; line-height: 1.4; color: #222; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.wrap { display: grid; grid-template-columns: 62mm 1fr; min-height: 297mm; }
aside { background: #23395b; color: #f3f3f3; padding: 14mm 6mm 10mm 7mm; }
aside .lbl { font-size: 7.5pt; text-transform: uppercase; letter-spacing: 3px; color: #9fb4d6; }
aside h1 { font-size: 19pt; line-height: 1.15; margin: 4px 0 6px; font-weight: bold; }
aside .hl { color: #ffd27f; font-size: 10pt; margin-bottom: 10px; }
aside h3 { font-size: 8.5pt; text-transform: uppercase; letter-spacing: 1.5px; color: #9fb4d6; margin: 14px 0 4px; border-bottom: 1px solid #46618c; }
aside div.i { margin-bottom: 3px; font-size: 7.8pt; }
main { padding: 14mm 13mm 10mm 9mm; }
h2 { font-size: 11pt; color: #23395b; margin: 0 0 6px; padding-top: 10px; }
.job { margin-bottom: 9px; }
.d { color: #b35c00; font-weight: bold; font-size: 8pt; }
.t { font-weight: bold; font-size: 9.8pt; }
.c { color: #555; }
ul { margin: 2px 0 0; padding-left: 13px; }
"""
    a = [f"<div class='lbl'>{esc(r['label'])}</div><h1>{esc(r['name_printed'])}</h1><div class='hl'>{esc(r['headline'])}</div>",
         f"<h3>{T(r,'contact')}</h3>" + "".join(f"<div class='i'>{nw(x)}</div>" for x in contact_items(r)),
         f"<h3>{T(r,'skills')}</h3>" + "".join(f"<div class='i'>{esc(', '.join(i))}</div>" for _, i in skill_items(r)),
         f"<h3>{T(r,'languages')}</h3>" + "".join(f"<div class='i'>{esc(x)}</div>" for x in r["languages"])]
    m = [f"<h2>{T(r,'summary')}</h2><div>{esc(r['summary'])}</div>", f"<h2>{T(r,'experience')}</h2>"]
    for ro in r["roles"]:
        m.append(f"<div class='job'><div class='d'>{esc(fmt_range(ds, ro['start'], ro['end']))}</div>"
                 f"<div class='t'>{esc(ro['title'])}</div><div class='c'>{esc(ro['company'])} — {esc(ro['city'])}</div>{ul(ro['bullets'])}</div>")
    m.append(f"<h2>{T(r,'education')}</h2>")
    for e in r["education"]:
        m.append(f"<div class='job'><div class='d'>{esc(edu_year(e, r['lang']))}</div><div class='t'>{esc(edu_line(e))}</div><div class='c'>{esc(e['institution'])}</div></div>")
    m.append(f"<h2>{T(r,'certifications')}</h2>{simple_list(r['certifications'])}")
    return page(css, f"<div class='wrap'><aside>{''.join(a)}</aside><main>{''.join(m)}</main></div>", r["lang"])


# ------------------------------------------------------------------ h06: plain ATS text
def t_ats_plain(r):
    ds = r["date_style"]
    css = """
@page { size: letter; margin: 0.8in 0.9in; }
body { font-family: 'Liberation Sans'; font-size: 10.5pt; line-height: 1.35; margin: 0; color: #000; }
p { margin: 0; }
.h { margin-top: 14px; margin-bottom: 4px; }
ul { margin: 2px 0 6px; padding-left: 20px; }
.gap { height: 8px; }
"""
    b = [f"<p>{esc(r['name_printed'])}</p>", f"<p>{esc(r['headline'])}</p>",
         f"<p>{esc(r['location'])} | {esc(r['phone'])} | {esc(r['email'])}</p>",
         f"<p>{esc(r['linkedin_printed'])} | {esc(r['github_printed'])}</p>"]
    b.append(f"<p class='h'>{T(r,'summary').upper()}</p><p>{esc(r['summary'])}</p>")
    b.append(f"<p class='h'>{T(r,'experience').upper()}</p>")
    for ro in r["roles"]:
        b.append(f"<div class='gap'></div><p>{esc(ro['company'])}, {esc(ro['city'])}</p>"
                 f"<p>{esc(ro['title'])}, {esc(fmt_range(ds, ro['start'], ro['end']))}</p>{ul(ro['bullets'])}")
    b.append(f"<p class='h'>{T(r,'education').upper()}</p>")
    for e in r["education"]:
        b.append(f"<p>{esc(edu_line(e))}, {esc(e['institution'])}, {esc(edu_year(e, r['lang']))}</p>")
    b.append(f"<p class='h'>{T(r,'skills').upper()}</p>" + "".join(f"<p>{esc(', '.join(i))}</p>" for _, i in skill_items(r)))
    b.append(f"<p class='h'>{T(r,'certifications').upper()}</p>" + "".join(f"<p>{esc(c)}</p>" for c in r["certifications"]))
    b.append(f"<p class='h'>{T(r,'languages').upper()}</p><p>{esc(', '.join(r['languages']))}</p>")
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h07: title / company / dates stacked
def t_stacked(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 16mm 20mm; }
body { font-family: 'Liberation Sans'; font-size: 9.4pt; line-height: 1.4; margin: 0; color: #222; }
header { text-align: center; margin-bottom: 8px; }
h1 { font-size: 20pt; margin: 0; letter-spacing: 1px; }
h1 .cjk { font-family: 'Noto Sans CJK SC'; font-weight: normal; font-size: 17pt; color: #555; margin-left: 8px; }
.headline { font-size: 11pt; color: #6a1b9a; }
.contact { font-size: 8.6pt; color: #444; margin-top: 3px; }
h2 { font-size: 10.5pt; color: #6a1b9a; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: 1px; }
h2::after { content: ""; display: block; height: 1px; background: #ccc; margin-top: 2px; }
.job { margin-bottom: 9px; }
.t { font-weight: bold; font-size: 10.3pt; }
.c { color: #333; }
.d { color: #777; font-size: 8.6pt; font-family: 'Liberation Mono'; }
ul { margin: 3px 0 0; padding-left: 15px; }
"""
    b = [f"<header><h1>{esc(r['name_printed'])}<span class='cjk'>{esc(r['name_native'])}</span></h1>"
         f"<div class='headline'>{esc(r['headline'])}</div>"
         f"<div class='contact'>{' · '.join(nw(x) for x in contact_items(r))}</div></header>"]
    b.append(f"<h2>{T(r,'summary')}</h2><div>{esc(r['summary'])}</div><h2>{T(r,'experience')}</h2>")
    for ro in r["roles"]:
        b.append(f"<div class='job'><div class='t'>{esc(ro['title'])}</div><div class='c'>{esc(ro['company'])}</div>"
                 f"<div class='d'>{esc(fmt_range(ds, ro['start'], ro['end']))}</div>{ul(ro['bullets'])}</div>")
    b.append(f"<h2>{T(r,'education')}</h2>")
    for e in r["education"]:
        b.append(f"<div class='job'><div class='t'>{esc(edu_line(e))}</div><div class='c'>{esc(e['institution'])}</div><div class='d'>{esc(edu_year(e, r['lang']))}</div></div>")
    b.append(f"<h2>{T(r,'skills')}</h2>{skills_dl(r)}")
    b.append(f"<h2>{T(r,'languages')}</h2><div>{esc(' | '.join(r['languages']))}</div>")
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h08: experience table with a header row
def t_table_es(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 14mm 14mm; }
body { font-family: 'DejaVu Sans'; font-size: 8.4pt; line-height: 1.35; margin: 0; color: #222; }
h1 { font-size: 19pt; margin: 0; font-weight: normal; }
h1 .lbl { background: #b71c1c; color: #fff; font-weight: bold; padding: 0 5px; margin-right: 2px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.headline { font-size: 10.5pt; color: #b71c1c; margin-top: 3px; }
.contact { margin-top: 3px; color: #444; }
h2 { font-size: 10pt; color: #b71c1c; margin: 13px 0 5px; border-bottom: 1px solid #b71c1c; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; background: #f3e5e5; border-bottom: 1px solid #b71c1c; padding: 3px 5px; font-size: 8.2pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
td { border-bottom: 1px solid #ddd; padding: 4px 5px; vertical-align: top; }
td.p { white-space: nowrap; width: 30mm; }
ul { margin: 2px 0 0; padding-left: 12px; }
.sk { margin-bottom: 2px; }
"""
    b = [f"<h1><span class='lbl'>{esc(r['label'])}</span> {esc(r['name_printed'])}</h1>"
         f"<div class='headline'>{esc(r['headline'])}</div>"
         f"<div class='contact'>{' · '.join(nw(x) for x in contact_items(r))}</div>"]
    b.append(f"<h2>{T(r,'summary')}</h2><div>{esc(r['summary'])}</div><h2>{T(r,'experience')}</h2>")
    b.append("<table><thead><tr><th>Periodo</th><th>Puesto</th><th>Empresa</th><th>Ciudad</th></tr></thead><tbody>")
    for ro in r["roles"]:
        b.append(f"<tr><td class='p'>{esc(fmt_range(ds, ro['start'], ro['end']))}</td>"
                 f"<td><b>{esc(ro['title'])}</b>{ul(ro['bullets'])}</td><td>{esc(ro['company'])}</td><td>{esc(ro['city'])}</td></tr>")
    b.append("</tbody></table>")
    b.append(f"<h2>{T(r,'education')}</h2><table><thead><tr><th>Año</th><th>Titulación</th><th>Centro</th></tr></thead><tbody>")
    for e in r["education"]:
        b.append(f"<tr><td class='p'>{esc(edu_year(e, r['lang']))}</td><td>{esc(edu_line(e))}</td><td>{esc(e['institution'])}</td></tr>")
    b.append("</tbody></table>")
    b.append(f"<h2>{T(r,'skills')}</h2>{skills_dl(r)}")
    b.append(f"<h2>{T(r,'certifications')}</h2>{simple_list(r['certifications'])}")
    b.append(f"<h2>{T(r,'languages')}</h2><div>{esc(' · '.join(r['languages']))}</div>")
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h09: 'Title, Company — City' headers that wrap
def t_wraphead(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 17mm 26mm 15mm 24mm; }
body { font-family: 'Liberation Serif'; font-size: 10.2pt; line-height: 1.38; margin: 0; color: #1a1a1a; }
.top { border-left: 5px solid #00796b; padding-left: 10px; margin-bottom: 10px; }
h1 { font-family: 'Liberation Sans'; font-size: 21pt; margin: 0; }
h1 .ko { font-family: 'Noto Sans CJK KR'; font-weight: normal; font-size: 16pt; color: #00796b; margin-left: 10px; }
.headline { font-family: 'Liberation Sans'; font-size: 11pt; }
.contact { font-family: 'Liberation Sans'; font-size: 8.8pt; color: #444; }
h2 { font-family: 'Liberation Sans'; font-size: 10.5pt; color: #00796b; text-transform: uppercase; margin: 13px 0 5px; }
.hd { font-family: 'Liberation Sans'; font-weight: bold; font-size: 14pt; margin: 0; line-height: 1.25; }
.dt { font-style: italic; color: #555; margin: 0; }
ul { margin: 1px 0 0 0; padding-left: 16px; }
.sk { margin-bottom: 2px; }
"""
    b = [f"<div class='top'><h1>{esc(r['name_printed'])}<span class='ko'>{esc(r['name_native'])}</span></h1>"
         f"<div class='headline'>{esc(r['headline'])}</div>"
         f"<div class='contact'>{' | '.join(nw(x) for x in contact_items(r))}</div></div>"]
    b.append(f"<h2>{T(r,'summary')}</h2><div>{esc(r['summary'])}</div><h2>{T(r,'experience')}</h2>")
    for ro in r["roles"]:
        b.append(f"<p class='hd'>{esc(ro['title'])}, {esc(ro['company'])} — {esc(ro['city'])}</p>"
                 f"<p class='dt'>{esc(fmt_range(ds, ro['start'], ro['end']))}</p>{ul(ro['bullets'])}")
    b.append(f"<h2>{T(r,'education')}</h2>")
    for e in r["education"]:
        b.append(f"<div>{esc(edu_line(e))} — {esc(e['institution'])}, {esc(edu_year(e, r['lang']))}</div>")
    b.append(f"<h2>{T(r,'skills')}</h2>{skills_dl(r)}")
    b.append(f"<h2>{T(r,'certifications')}</h2><div>{esc('; '.join(r['certifications']))}</div>")
    b.append(f"<h2>{T(r,'languages')}</h2><div>{esc(', '.join(r['languages']))}</div>")
    return page(css, "".join(b), r["lang"])


# ------------------------------------------------------------------ h10: two pages, table header/footer repeat
def t_twopage_thead(r):
    ds = r["date_style"]
    css = """
@page { size: A4; margin: 10mm 16mm 10mm 16mm; }
body { font-family: 'DejaVu Sans'; font-size: 9.6pt; line-height: 1.45; margin: 0; color: #222; }
table.pg { width: 100%; border-collapse: collapse; }
thead td { padding-bottom: 6mm; }
.rh { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #888; padding-bottom: 3px; font-size: 8.4pt; color: #333; }
.rh b { font-size: 10pt; }
tfoot td { padding-top: 5mm; }
.rf { border-top: 1px solid #bbb; font-size: 7.8pt; color: #777; text-align: center; padding-top: 2px; }
h1 { font-size: 22pt; margin: 0; color: #3d2c8d; }
.headline { font-size: 11.5pt; margin-bottom: 4px; }
h2 { font-size: 10.5pt; color: #3d2c8d; margin: 14px 0 5px; border-bottom: 2px solid #e0dcf5; }
.emp { display: flex; justify-content: space-between; font-weight: bold; margin-top: 9px; }
.emp .city { font-weight: normal; font-style: italic; color: #666; }
.tl { color: #333; }
ul { margin: 2px 0 2px; padding-left: 16px; } li { margin-bottom: 2px; }
.sk, .proj { margin-bottom: 3px; }
"""
    rh = (f"<div class='rh'><b>{esc(r['name_printed'])}</b><span>{esc(r['email'])} · {esc(r['phone'])} · "
          f"{esc(r['linkedin_printed'])}</span></div>")
    rf = f"<div class='rf'>{esc(r['name_printed'])} — {esc(r['headline'])} — {esc(r['location'])}</div>"
    rows = [f"<h1>{esc(r['name_printed'])}</h1><div class='headline'>{esc(r['headline'])}</div>"
            f"<div>{' · '.join(nw(x) for x in contact_items(r))}</div>",
            f"<h2>{T(r,'summary')}</h2><div>{esc(r['summary'])}</div><h2>{T(r,'experience')}</h2>"]
    for ro in r["roles"]:
        rows.append(f"<div class='emp'><span>{esc(ro['company'])}</span><span class='city'>{esc(ro['city'])}</span></div>"
                    f"<div class='tl'>{esc(ro['title'])} | {esc(fmt_range(ds, ro['start'], ro['end']))}</div>{ul(ro['bullets'])}")
    rows.append(f"<h2>{T(r,'projects')}</h2>" + "".join(f"<div class='proj'><b>{esc(a)}</b> — {esc(c)}</div>" for a, c in r["projects"]))
    rows.append(f"<h2>{T(r,'education')}</h2>" + "".join(
        f"<div class='emp'><span>{esc(e['institution'])}</span><span class='city'>{esc(edu_year(e, r['lang']))}</span></div><div class='tl'>{esc(edu_line(e))}</div>"
        for e in r["education"]))
    rows.append(f"<h2>{T(r,'skills')}</h2>{skills_dl(r)}")
    rows.append(f"<h2>{T(r,'certifications')}</h2>{simple_list(r['certifications'])}")
    rows.append(f"<h2>{T(r,'languages')}</h2><div>{esc(' · '.join(r['languages']))}</div>")
    body = ("<table class='pg'><thead><tr><td>" + rh + "</td></tr></thead><tfoot><tr><td>" + rf + "</td></tr></tfoot><tbody>"
            + "".join(f"<tr><td>{x}</td></tr>" for x in rows) + "</tbody></table>")
    return page(css, body, r["lang"])


TEMPLATES = {
    "leftdates": t_leftdates, "runhead_margin": t_runhead_margin, "sidelabel": t_sidelabel,
    "sidebar_right": t_sidebar_right, "sidebar_left_narrow": t_sidebar_left_narrow, "ats_plain": t_ats_plain,
    "stacked": t_stacked, "table_es": t_table_es, "wraphead": t_wraphead, "twopage_thead": t_twopage_thead,
}
