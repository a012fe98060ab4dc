#!/usr/bin/env python3
"""Regenerate the tuned2 wild resume fixtures t19…t30 (PDF drawn with the ReportLab canvas at absolute positions,
DOCX via python-docx) and their ground-truth JSON from the single data description in resumes.py.

Usage:  python generate.py [--out DIR] [--only t19,t28]

Exits non-zero if any check fails.
"""
import argparse
import datetime
import io
import json
import os
import sys
import tempfile
import zipfile

import docx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import REPO, check, docx_text, ground_truth, norm_ws  # noqa: E402
from layouts_docx import DOCX_LAYOUTS  # noqa: E402
from layouts_pdf import PDF_LAYOUTS, splits_for  # noqa: E402
import pdfdraw  # noqa: E402
from resumes import RESUMES  # noqa: E402

DEFAULT_OUT = os.path.join(REPO, 'tests', 'fixtures', 'resumes', 'wild', 'tuned')
W_NS = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
FIXED_TIME = datetime.datetime(2026, 1, 15, 9, 0, 0)


def save_docx(d, path):
    """Save with fixed core-property dates and zip entry times, so reruns are byte-identical."""
    cp = d.core_properties
    cp.created = cp.modified = cp.last_printed = FIXED_TIME
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
            zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zi = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, zin.read(item.filename))


# --------------------------------------------------------------------------- PDF checks beyond ../tuned's check()
def required_strings(r):
    n = r['name']
    out = [n['first'], n['last'], r.get('email'), r['phone']]
    for e in r['exp']:
        out += [e['company'], e['title']]
    return [s for s in out if s]


def pdf_extra_checks(r, doc, path, layout, raw):
    errs = []
    rl = norm_ws(raw).lower()
    # 1. the text layer itself (content-stream order, as pypdfium2 extracts it) holds every word of the name
    #    parts, e-mail, phone, companies and titles; the reading-order text is checked by check()
    for s in required_strings(r):
        for tok in norm_ws(s).lower().split(' '):
            if tok not in rl:
                errs.append(f'stream text lacks {tok!r} (from {s!r})')
    claims = r.get('claims', {})
    n = r['name']
    # 2. the name is printed large and bold
    if claims.get('name_min_pt'):
        first_tok = n['printed'].split(' ')[0]
        ops = [o for p in doc.pages for o in p if o['kind'] == 'text' and first_tok in o['s']]
        if not any(o['size'] >= claims['name_min_pt'] and o['font'].endswith('-B') for o in ops):
            errs.append(f"name not drawn bold at >= {claims['name_min_pt']} pt")
    # 3. the name is not the first text in the content stream
    if claims.get('name_not_first'):
        head = pdfdraw.first_stream_chars(path, 12).lower()
        for s in (n['printed'], n.get('native_printed')):
            if s and head.startswith(s.replace(' ', '').lower()[:5]):
                errs.append(f'content stream starts with the name: {head!r}')
    # 4. the content-stream order is not the reading order
    if claims.get('stream_not_reading_order'):
        lines = [norm_ws(x).lower() for x in layout.split('\n') if len(norm_ws(x)) >= 8]
        pos, bad = -1, 0
        for ln in lines:
            k = rl.find(ln)
            if k < 0 or k < pos:
                bad += 1
            else:
                pos = k
        frac = bad / max(1, len(lines))
        if frac < 0.2:
            errs.append(f'content stream is too close to reading order ({frac:.0%} of lines out of order)')
        r['_disorder'] = frac
    # 5. sidebar widths as briefed (28–35% of the page)
    o = r.get('opts', {})
    if r['layout'] == 'two_col' and not 0.28 <= o['side_w'] <= 0.35:
        errs.append(f"sidebar width {o['side_w']} outside 28–35%")
    return errs


# --------------------------------------------------------------------------- DOCX checks
def _text(el):
    return norm_ws(' '.join(t.text or '' for t in el.iter(W_NS + 't'))).lower()


def docx_extra_checks(r, path):
    errs = []
    d = docx.Document(path)
    body = d.element.body
    # text outside text boxes (w:txbxContent is nested inside a run of an ordinary body paragraph)
    body_copy = __import__('copy').deepcopy(body)
    for tb in list(body_copy.iter(W_NS + 'txbxContent')):
        tb.getparent().remove(tb)
    body_plain = _text(body_copy)
    header = ' '.join(_text(s.header._element) for s in d.sections)
    contact_vals = [v for k, v in [('email', r.get('email')), ('phone', r['phone']), ('linkedin', r.get('linkedin')),
                                   ('github', r.get('github')), ('location', r['location'])] if v]
    if r['layout'] in ('docx_header_contact_table', 'docx_header_table_pt'):
        for v in contact_vals:
            if norm_ws(v).lower() in body_plain:
                errs.append(f'contact detail {v!r} appears in the body (must be only in the page header)')
            if norm_ws(v).lower() not in header:
                errs.append(f'contact detail {v!r} missing from the page header')
        tables = body.findall(W_NS + 'tbl')
        hdr_rows = [[_text(tc) for tc in tbl.find(W_NS + 'tr').findall(W_NS + 'tc')] for tbl in tables]
        want = [c.lower() for c in r['opts']['exp_cols']]
        if want not in hdr_rows:
            errs.append(f'no experience table with header row {want}: {hdr_rows}')
    if r['layout'] == 'docx_header_table_pt':
        if norm_ws(r['name']['printed']).lower() in body_plain:
            errs.append('name appears in the body (must be only in the page header)')
    if r['layout'] == 'docx_textbox_sidebar':
        boxes = list(body.iter(W_NS + 'txbxContent'))
        if len(boxes) != 2:
            errs.append(f'expected the text box content twice (wps + VML fallback), got {len(boxes)}')
        for v in contact_vals:
            if norm_ws(v).lower() in body_plain:
                errs.append(f'contact detail {v!r} outside the text box')
            if not all(norm_ws(v).lower() in _text(b) for b in boxes):
                errs.append(f'contact detail {v!r} missing from the text box')
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=DEFAULT_OUT)
    ap.add_argument('--only', default='')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    only = set(filter(None, a.only.split(',')))
    pdfdraw.register_fonts()
    failed = False
    with tempfile.TemporaryDirectory(prefix='wild-tuned2-') as tmp:
        cjk = ''.join(r['name'].get('native_printed', '') for r in RESUMES if r['fmt'] == 'pdf')
        if cjk:
            pdfdraw.register_cjk(cjk, tmp)
        for r in RESUMES:
            if only and r['id'] not in only:
                continue
            path = os.path.join(a.out, f"{r['id']}.{r['fmt']}")
            extra = []
            if r['fmt'] == 'pdf':
                try:
                    d = PDF_LAYOUTS[r['layout']](r)
                except (OverflowError, AssertionError) as e:
                    print(f"{r['id']}.pdf: FAIL layout: {e}")
                    failed = True
                    continue
                o = r.get('opts', {})
                d.save(path, order=o.get('order', 'natural'), seed=o.get('seed', 1),
                       title=f"{r['name']['printed']} – {r['headline']}", author=r['name']['printed'])
                text, pages = pdfdraw.layout_text(path, splits_for(r, d), d.asides())
                raw, _ = pdfdraw.stream_text(path)
                extra = pdf_extra_checks(r, d, path, text, raw)
                tool = 'reportlab'
                if r.get('pages') and r['pages'] != pages:
                    extra.append(f"expected {r['pages']} page(s), got {pages}")
            else:
                save_docx(DOCX_LAYOUTS[r['layout']](r), path)
                text, pages = docx_text(path), r['pages']
                extra = docx_extra_checks(r, path)
                tool = 'python-docx'
            gt = ground_truth(r, pages, tool)
            errs = check(r, text, gt) + extra
            with open(os.path.join(a.out, f"{r['id']}.json"), 'w', encoding='utf-8') as f:
                json.dump(gt, f, ensure_ascii=False, indent=2)
                f.write('\n')
            status = 'ok' if not errs else 'FAIL'
            dis = f" stream-disorder={r['_disorder']:.0%}" if '_disorder' in r else ''
            print(f"{r['id']}.{r['fmt']}: {status} pages={pages} months={gt['total_months_experience']} "
                  f"skills={len(gt['skills'])}{dis}")
            for e in errs:
                print('   -', e)
            failed |= bool(errs)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
