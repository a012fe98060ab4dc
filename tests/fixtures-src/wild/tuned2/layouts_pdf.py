"""PDF layouts for tuned2: every layout records positioned text into a pdfdraw.Doc; the content-stream order is
chosen when the Doc is saved (r['opts']['order'])."""
from common import H, contacts, date_range, edu_line, edu_year, groups
from pdfdraw import Doc, Flow, sw, wrap

MM = 72 / 25.4


# --------------------------------------------------------------------------- shared pieces
def heading(f, text, style, color, size=10.5, rule_color=None, space=10.0):
    """Section heading in one of the styles: bold, bold_rule, spaced (letter-spaced capitals), smallcaps."""
    f.gap(space)
    f.need(size * 1.3 + 30)  # no heading alone at the bottom of a page
    if style == 'spaced':
        f.line(text.upper(), 'Sans-B', size - 1.5, color, leading=size * 1.2, cs=1.8)
    elif style == 'smallcaps':
        f.need(size * 1.3)
        f.y -= size * 1.3
        x = f.x
        for w in text.split(' '):
            big, rest = w[0].upper(), w[1:].upper()
            x += f.d.text(x, f.y, big, FONT_B[f.font], size + 1, color, col=f.col)
            if rest:
                x += f.d.text(x, f.y, rest, FONT_B[f.font], size * 0.78, color, col=f.col)
            x += sw(' ', FONT_B[f.font], size)
    else:
        f.line(text, FONT_B[f.font], size + 1, color, leading=size * 1.35)
        if style == 'bold_rule':
            f.d.rule(f.x, f.y - 3, f.x + f.w, f.y - 3, 0.7, rule_color or color, col=f.col)
            f.gap(3)
    f.gap(2.5)


FONT_B = {'Sans': 'Sans-B', 'DejaVu': 'DejaVu-B', 'Serif': 'Serif-B', 'Narrow': 'Narrow-B'}
FONT_I = {'Sans': 'Sans-I', 'DejaVu': 'DejaVu-I', 'Serif': 'Serif-I', 'Narrow': 'Narrow'}


def entry(f, r, e, style, accent, size=9.6, first_in_group=True):
    font = f.font
    if style == 'title_dates_company_city':
        f.gap(5)
        f.line(e['title'], FONT_B[font], size + 0.8, '#111111', right=date_range(r, e), right_font=font,
               right_size=size - 0.6, right_color='#555555')
        f.line(e['company'], FONT_I[font], size, accent, right=e.get('city'), right_font=font, right_size=size - 0.6,
               right_color='#555555')
    elif style == 'stacked':
        f.gap(5)
        f.line(e['title'], FONT_B[font], size + 0.8, '#111111')
        f.line(e['company'] + (f" · {e['city']}" if e.get('city') else ''), font, size, accent)
        f.line(date_range(r, e), FONT_I[font], size - 0.8, '#555555')
    elif style == 'grouped_role':
        f.gap(3)
        f.line(e['title'], FONT_I[font], size + 0.4, '#111111', right=date_range(r, e), right_font=font,
               right_size=size - 0.6, right_color='#555555')
    elif style == 'title_company_wrapped':
        f.gap(6)
        head = f"{e['title']} — {e['company']}, {e['city']}"
        lines = wrap(head, FONT_B[font], size + 0.6, f.title_w)
        f.wrapped = getattr(f, 'wrapped', 0) + (len(lines) > 1)
        for k, ln in enumerate(lines):
            f.line(ln, FONT_B[font], size + 0.6, '#111111',
                   right=date_range(r, e) if k == 0 else None, right_font=FONT_I[font], right_size=size - 0.6,
                   right_color='#555555')
    else:
        raise ValueError(style)
    f.gap(1)
    f.bullets(e['bullets'], font, size - 0.4, color='#262626')


def experience(f, r, style, accent, size=9.6):
    if style == 'grouped':
        for g in groups(r['exp']):
            f.gap(6)
            f.line(g[0]['company'], FONT_B[f.font], size + 1.2, accent, right=g[0].get('city'), right_font=f.font,
                   right_size=size - 0.4, right_color='#555555')
            for e in g:
                entry(f, r, e, 'grouped_role', accent, size)
    else:
        for e in r['exp']:
            entry(f, r, e, style, accent, size)


def skills_lines(f, r, size, color, bullet_items=True):
    for lbl, txt in r['skills_section']:
        if lbl:
            f.line(lbl, FONT_B[f.font], size, color)
        if bullet_items:
            for s in txt.split(','):
                f.line('· ' + s.strip(), f.font, size, color, leading=size * 1.32)
        else:
            f.para(txt, f.font, size, color=color)
        f.gap(2)


# --------------------------------------------------------------------------- two columns (t19 t20 t21 t22 t27)
def two_col(r):
    o = r['opts']
    d = Doc(r.get('page', 'A4'))
    W, Hh = d.W, d.H
    sw_ = W * o['side_w']
    side_x0 = 0 if o['side'] == 'left' else W - sw_
    main_x0 = sw_ if o['side'] == 'left' else 0
    pad = 15
    d.rect(side_x0, 0, sw_, Hh, o['side_bg'], col='side')
    top = Hh - 40
    side = Flow(d, side_x0 + pad, sw_ - 2 * pad, top + o.get('side_lift', 0), 28, col='side')
    main = Flow(d, main_x0 + 22, W - sw_ - 44, top, 28, col='main')
    side.font = main.font = o.get('font', 'Sans')
    fg, acc = o['side_fg'], o['accent']
    hs = o['heading']
    n = r['name']

    def name_block(f, color, col):
        size = o['name_size']
        if o.get('cjk_name'):
            f.y -= size * 1.1
            x = f.x
            x += f.d.text(x, f.y, n['native_printed'], 'CJK', size - 1, color, col=col)
            x += f.d.text(x, f.y, ' / ', 'Sans', size - 4, '#888888', col=col)
            f.d.text(x, f.y, n['printed'], 'Sans-B', size, color, col=col)
        elif o.get('label_glued'):
            f.y -= size * 1.1
            x = f.x + f.d.text(f.x, f.y, r['label'], 'Sans', size, '#9a93c9', col=col)
            f.d.text(x + 2.0, f.y, n['printed'], 'Sans-B', size, color, col=col)
        else:
            for ln in wrap(n['printed'], 'Sans-B', size, f.w):
                f.y -= size * 1.08
                f.d.text(f.x, f.y, ln, 'Sans-B', size, color, col=col)
        f.gap(4)
        f.line(r['headline'], 'Sans', 11.5 if col != 'side' else 10.5, color if col == 'side' else '#555555',
               leading=14)

    # ---- sidebar
    if o['name_in'] == 'side':
        name_block(side, fg, 'side')
        side.gap(4)
    heading(side, H(r, 'contact'), hs if hs != 'bold_rule' else 'bold', fg, size=9.5, space=6)
    for k, v in contacts(r):
        for ln in wrap(v, side.font, 8.6, side.w):
            side.line(ln, side.font, 8.6, fg, leading=11.5)
    heading(side, H(r, 'skills'), hs if hs != 'bold_rule' else 'bold', fg, size=9.5)
    skills_lines(side, r, 8.6, fg)
    heading(side, H(r, 'langs'), hs if hs != 'bold_rule' else 'bold', fg, size=9.5)
    for l in r['langs']:
        side.line(l, side.font, 8.6, fg, leading=11.5)
    if o['edu_in_side']:
        heading(side, H(r, 'edu'), hs if hs != 'bold_rule' else 'bold', fg, size=9.5)
        for e in r['edu']:
            side.para(edu_line(e), FONT_B[side.font], 8.6, color=fg, leading=11)
            side.para(e['inst'], side.font, 8.6, color=fg, leading=11)
            side.line(edu_year(e), side.font, 8.6, fg, leading=11)
            side.gap(3)
    if r.get('certs'):
        heading(side, H(r, 'certs'), hs if hs != 'bold_rule' else 'bold', fg, size=9.5)
        for c in r['certs']:
            side.para(c, side.font, 8.4, color=fg, leading=10.8)

    # ---- main
    if o['name_in'] == 'main':
        head = Flow(d, main.x, main.w, main.y, 28, col='head' if 'head' in str(o['order']) else 'main')
        head.font = main.font
        name_block(head, '#111111', head.col)
        main.y = head.y
    heading(main, H(r, 'summary'), hs, acc, space=8 if o['name_in'] == 'main' else 0)
    main.para(r['summary'], main.font, 9.4, color='#262626')
    heading(main, H(r, 'exp'), hs, acc)
    experience(main, r, o['entry'], acc)
    if not o['edu_in_side']:
        heading(main, H(r, 'edu'), hs, acc)
        for e in r['edu']:
            main.line(edu_line(e), FONT_B[main.font], 9.8, '#111111', right=edu_year(e), right_font=main.font,
                      right_size=9, right_color='#555555')
            main.line(e['inst'], FONT_I[main.font], 9.4, acc)
    return d


# --------------------------------------------------------------------------- single column (t23)
def single(r):
    o = r['opts']
    d = Doc(r.get('page', 'A4'))
    W, Hh = d.W, d.H
    f = Flow(d, 48, W - 96, Hh - 42, 36)
    f.font = o.get('font', 'Sans')
    f.title_w = o['title_w']
    acc = o['accent']
    # contact block, right-aligned, drawn before the name
    y = Hh - 42
    for k, v in contacts(r):
        y -= 11.5
        d.text(W - 48, y, v, f.font, 8.6, '#444444', align='r')
    f.y -= o['name_size'] * 1.1
    d.text(f.x, f.y, r['name']['printed'], FONT_B[f.font], o['name_size'], acc)
    f.line(r['headline'], f.font, 12, '#333333', leading=16)
    f.y = min(f.y, y) - 4
    d.rule(f.x, f.y, f.x + f.w, f.y, 1.2, acc)
    heading(f, H(r, 'summary'), o['heading'], acc, space=4)
    f.para(r['summary'], f.font, 9.3, color='#222222')
    heading(f, H(r, 'exp'), o['heading'], acc)
    experience(f, r, o['entry'], acc, size=9.3)
    assert getattr(f, 'wrapped', 0) >= 2, f"{r['id']}: at least two entry headers should wrap over two lines"
    heading(f, H(r, 'edu'), o['heading'], acc)
    for e in r['edu']:
        f.line(f"{edu_line(e)} — {e['inst']}", FONT_B[f.font], 9.3, '#111111', right=edu_year(e),
               right_font=FONT_I[f.font], right_size=8.8, right_color='#555555')
    heading(f, H(r, 'skills'), o['heading'], acc)
    for lbl, txt in r['skills_section']:
        x = f.x
        f.need(12.5)
        f.y -= 12.5
        x += d.text(x, f.y, lbl + ': ', FONT_B[f.font], 9.3, '#111111')
        d.text(x, f.y, txt, f.font, 9.3, '#222222')
    if r.get('certs'):
        heading(f, H(r, 'certs'), o['heading'], acc)
        for c in r['certs']:
            f.line(c, f.font, 9.3, '#222222')
    heading(f, H(r, 'langs'), o['heading'], acc)
    f.line(' · '.join(r['langs']), f.font, 9.3, '#222222')
    return d


# --------------------------------------------------------------------------- label column (t24)
def label_col(r):
    """Section labels in a narrow left column, a vertical rule, content on the right; the label is drawn on the
    baseline of the first content line of its section."""
    o = r['opts']
    d = Doc(r.get('page', 'A4'))
    W, Hh = d.W, d.H
    x0, lw = 30, o['label_w']
    rule_x = x0 + lw - 4
    cx = rule_x + 14
    f = Flow(d, cx, W - cx - 40, Hh - 44, 34)
    f.font = 'Sans'
    acc = o['accent']
    f.y -= 25
    d.text(cx, f.y, r['name']['printed'], 'Sans-B', 24, '#111111')
    f.line(r['headline'], 'Sans', 12, acc, leading=17)
    f.gap(4)
    sections = []

    def section(label, body):
        f.gap(9)
        y_before = f.y
        body()
        # baseline of the first content line = first text op drawn after y_before
        first = next(op for op in d.pages[-1][start_index[0]:] if op['kind'] == 'text')
        d.text(x0, first['y'], label.upper(), 'Sans-B', 8.2, acc, cs=0.6)
        sections.append((y_before, f.y))

    start_index = [0]

    def run(label, body):
        start_index[0] = len(d.pages[-1])
        section(label, body)

    def contact_body():
        cs = contacts(r)
        for i in range(0, len(cs), 2):
            a = cs[i][1]
            b = cs[i + 1][1] if i + 1 < len(cs) else ''
            f.line(a, 'Sans', 9, '#222222', right=b or None, right_color='#222222')

    def summary_body():
        f.para(r['summary'], 'Sans', 9.4, color='#222222')

    def exp_body():
        for k, e in enumerate(r['exp']):
            if k:
                f.gap(6)
            f.line(e['title'], 'Sans-B', 10.2, '#111111', right=date_range(r, e), right_font='Sans-B', right_size=9.4,
                   right_color=acc)
            f.line(f"{e['company']}, {e['city']}", 'Sans-I', 9.4, '#333333')
            f.gap(1)
            f.bullets(e['bullets'], 'Sans', 9.1)

    def edu_body():
        for e in r['edu']:
            f.line(f"{edu_line(e)}, {e['inst']}", 'Sans', 9.4, '#222222', right=edu_year(e), right_color=acc)

    def skills_body():
        for lbl, txt in r['skills_section']:
            f.need(12.5)
            f.y -= 12.5
            x = f.x + d.text(f.x, f.y, lbl + ': ', 'Sans-B', 9.2, '#111111')
            d.text(x, f.y, txt, 'Sans', 9.2, '#222222')

    def langs_body():
        f.line(', '.join(r['langs']), 'Sans', 9.4, '#222222')

    run(H(r, 'contact'), contact_body)
    run('Profile', summary_body)
    run(H(r, 'exp'), exp_body)
    run(H(r, 'edu'), edu_body)
    run(H(r, 'skills'), skills_body)
    if r.get('certs'):
        run(H(r, 'certs'), lambda: [f.line(c, 'Sans', 9.4) for c in r['certs']])
    run(H(r, 'langs'), langs_body)
    d.rule(rule_x, sections[0][0] - 2, rule_x, f.y - 4, 1.4, acc)
    return d


# --------------------------------------------------------------------------- date column (t25)
def date_col(r):
    o = r['opts']
    d = Doc(r.get('page', 'A4'))
    W, Hh = d.W, d.H
    x0 = 42
    dw = o['date_w']
    cx = x0 + dw
    acc = o['accent']
    f = Flow(d, x0, W - 2 * x0, Hh - 40, 34)
    f.font = 'Sans'
    f.line(r['label'].upper(), 'Sans', 9, acc, cs=3.0, leading=11)
    f.y -= 26
    d.text(x0, f.y, r['name']['printed'], 'Sans-B', 24, '#111111')
    f.line(r['headline'], 'Sans', 12, '#444444', leading=17)
    f.line('  |  '.join(v for k, v in contacts(r)), 'Sans', 8.8, '#333333', leading=14)
    f.gap(3)
    d.rule(x0, f.y, W - x0, f.y, 1.5, acc)
    body = Flow(d, cx, W - x0 - cx, f.y, 34)
    body.font = 'Sans'

    def sec(title):
        heading(body, title, 'bold_rule', acc, size=11, space=9)

    def dates_at(y, text):
        d.text(x0, y, text, 'Sans', 8.6, '#555555')

    body.x, body.w = x0, W - 2 * x0
    sec(H(r, 'summary'))
    body.para(r['summary'], 'Sans', 9.4, color='#222222')
    sec(H(r, 'exp'))
    body.x, body.w = cx, W - x0 - cx
    for e in r['exp']:
        body.gap(5)
        y = body.line(e['title'], 'Sans-B', 10.2, '#111111')
        dates_at(y, date_range(r, e))
        body.line(e['company'], 'Sans', 9.4, acc, right=e['city'], right_size=8.8, right_color='#555555')
        body.gap(1)
        body.bullets(e['bullets'], 'Sans', 9.1)
    body.x, body.w = x0, W - 2 * x0
    sec(H(r, 'edu'))
    body.x, body.w = cx, W - x0 - cx
    for e in r['edu']:
        y = body.line(edu_line(e), 'Sans-B', 9.8, '#111111')
        dates_at(y, edu_year(e))
        body.line(e['inst'], 'Sans', 9.2, acc)
        body.gap(2)
    body.x, body.w = x0, W - 2 * x0
    sec(H(r, 'skills'))
    body.x, body.w = cx, W - x0 - cx
    for lbl, txt in r['skills_section']:
        y = body.line(txt, 'Sans', 9.3, '#222222')
        d.text(x0, y, lbl, 'Sans-B', 8.8, '#333333')
    if r.get('certs'):
        body.x, body.w = x0, W - 2 * x0
        sec(H(r, 'certs'))
        body.x, body.w = cx, W - x0 - cx
        for c in r['certs']:
            body.line(c, 'Sans', 9.3, '#222222')
    body.x, body.w = x0, W - 2 * x0
    sec(H(r, 'langs'))
    body.line(' · '.join(r['langs']), 'Sans', 9.3, '#222222')
    return d


# --------------------------------------------------------------------------- two pages, running header (t26)
def running(r):
    o = r['opts']
    d = Doc(r.get('page', 'A4'))
    W, Hh = d.W, d.H
    acc = o['accent']
    body_top = Hh - 62

    f = Flow(d, 54, W - 108, body_top, 48, on_new_page=lambda: body_top)
    f.font = 'Serif'
    f.y -= 28
    d.text(f.x, f.y, r['name']['printed'], 'Serif-B', 26, acc)
    f.line(r['headline'], 'Serif-I', 13, '#333333', leading=18)
    f.line('  •  '.join(v for k, v in contacts(r)), 'Serif', 9.6, '#333333', leading=14)
    heading(f, H(r, 'summary'), 'bold_rule', acc, size=11.5)
    f.para(r['summary'], 'Serif', 10.6, color='#1a1a1a')
    heading(f, H(r, 'exp'), 'bold_rule', acc, size=11.5)
    for k, e in enumerate(r['exp']):
        f.need(10 ** 4 if k == o.get('break_before_role') else 60)
        f.gap(7)
        f.line(f"{e['title']} — {e['company']}", 'Serif-B', 10.8, '#111111', right=date_range(r, e),
               right_font='Serif-I', right_size=10, right_color='#444444')
        f.line('', right=e['city'], right_font='Serif-I', right_size=9.4, right_color='#666666', size=9.4)
        f.bullets(e['bullets'], 'Serif', 10.6, color='#1a1a1a')
    for title, items in r.get('extra', []):
        heading(f, title, 'bold_rule', acc, size=11.5)
        f.bullets(items, 'Serif', 10.2)
    heading(f, H(r, 'edu'), 'bold_rule', acc, size=11.5)
    for e in r['edu']:
        f.line(f"{edu_line(e)}, {e['inst']}", 'Serif', 10.2, '#111111', right=edu_year(e))
    heading(f, H(r, 'skills'), 'bold_rule', acc, size=11.5)
    for lbl, txt in r['skills_section']:
        f.need(14)
        f.y -= 14
        x = f.x + d.text(f.x, f.y, lbl + ': ', 'Serif-B', 10.2, '#111111')
        d.text(x, f.y, txt, 'Serif', 10.2, '#1a1a1a')
    heading(f, H(r, 'certs'), 'bold_rule', acc, size=11.5)
    for c in r['certs']:
        f.line(c, 'Serif', 10.2)
    heading(f, H(r, 'langs'), 'bold_rule', acc, size=11.5)
    f.line(', '.join(r['langs']), 'Serif', 10.2)
    # running header, appended to the END of every page's content stream
    n = len(d.pages)
    for i, ops in enumerate(d.pages):
        seq = 10 ** 6 + i * 10
        y = Hh - 36
        ops.append(dict(kind='text', x=54, y=y, s=f"{r['name']['printed']}  ·  {r['email']}", font='Serif',
                        size=8.6, color='#555555', align='l', cs=0.0, col='header', seq=seq))
        ops.append(dict(kind='text', x=W - 54, y=y, s=f'Page {i + 1} of {n}', font='Serif', size=8.6,
                        color='#555555', align='r', cs=0.0, col='header', seq=seq + 1))
        ops.append(dict(kind='line', x1=54, y1=y - 4, x2=W - 54, y2=y - 4, width=0.5, color='#999999',
                        col='header', seq=seq + 2))
    return d


PDF_LAYOUTS = {'two_col': two_col, 'single': single, 'label_col': label_col, 'date_col': date_col,
               'running': running}


def splits_for(r, d):
    """Where the generator cuts a page into regions when reading it back in reading order."""
    o = r.get('opts', {})
    if o.get('splits'):
        return o['splits']
    if r['layout'] == 'two_col':
        return {'all': [d.W * o['side_w'] if o['side'] == 'left' else d.W * (1 - o['side_w'])]}
    return None
