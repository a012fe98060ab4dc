"""Absolute-position page drawing for the tuned2 PDFs (ReportLab canvas API).

A layout records every piece of text, rule and box with its page position into a `Doc` (nothing is drawn yet);
`Doc.save()` then writes the content stream in the order an `order` policy chooses, which is how these fixtures
make the content-stream order differ from the reading order:

  natural     the order the layout recorded (top to bottom, column by column)
  columns     column by column in a given order, e.g. main column first and the sidebar (with the name) last
  y_down      every line of the page sorted by its baseline from the top, across all columns (sidebar and main
              lines interleaved)
  y_up        every line of the page sorted by its baseline from the bottom (reverse reading order)
  words       each line split into one drawString call per word, and all the word calls of the page shuffled
              with a fixed seed

`layout_text()` reads a PDF back from character positions (pypdfium2 char origins and boxes), column by column,
so the generator can check that the text a reader should see is really on the page.
"""
import ctypes
import os
import random

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIRS = ['/usr/share/fonts/truetype/liberation', '/usr/share/fonts/truetype/liberation2',
             '/usr/share/fonts/truetype/dejavu']
FONTS = {
    'Sans': 'LiberationSans-Regular.ttf', 'Sans-B': 'LiberationSans-Bold.ttf', 'Sans-I': 'LiberationSans-Italic.ttf',
    'Narrow': 'LiberationSansNarrow-Regular.ttf', 'Narrow-B': 'LiberationSansNarrow-Bold.ttf',
    'Serif': 'LiberationSerif-Regular.ttf', 'Serif-B': 'LiberationSerif-Bold.ttf', 'Serif-I': 'LiberationSerif-Italic.ttf',
    'DejaVu': 'DejaVuSans.ttf', 'DejaVu-B': 'DejaVuSans-Bold.ttf', 'DejaVu-I': 'DejaVuSans-Oblique.ttf',
}
CJK_TTC = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'
_registered = set()


def _find(fname):
    for d in FONT_DIRS:
        p = os.path.join(d, fname)
        if os.path.exists(p):
            return p
    raise SystemExit(f'font {fname} not found in {FONT_DIRS} (apt-get install fonts-liberation fonts-dejavu-core)')


def register_fonts():
    for name, fname in FONTS.items():
        if name not in _registered:
            pdfmetrics.registerFont(TTFont(name, _find(fname)))
            _registered.add(name)


def register_cjk(text, tmpdir, name='CJK'):
    """Embed Noto Sans CJK JP for `text`.

    ReportLab's TTFont only embeds TrueType (glyf) outlines and Noto Sans CJK has CFF outlines
    ('postscript outlines are not supported'), so the glyphs needed are subset with fontTools and their cubic
    outlines converted to quadratic glyf outlines first; ReportLab then embeds the result as an ordinary subset
    TrueType font with a ToUnicode map."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTCollection, newTable
    f = TTCollection(CJK_TTC).fonts[0]  # Noto Sans CJK JP
    opts = subset.Options()
    opts.name_IDs = ['*']
    opts.notdef_outline = True
    opts.layout_features = []
    s = subset.Subsetter(opts)
    s.populate(text=text + ' ')
    s.subset(f)
    gs, order = f.getGlyphSet(), f.getGlyphOrder()
    glyf = newTable('glyf')
    glyf.glyphOrder, glyf.glyphs = order, {}
    for g in order:
        pen = TTGlyphPen(gs)
        gs[g].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[g] = pen.glyph()
    f['glyf'], f['loca'] = glyf, newTable('loca')
    maxp = newTable('maxp')
    maxp.tableVersion = 0x00010000
    for k in ('maxZones', 'maxTwilightPoints', 'maxStorage', 'maxFunctionDefs', 'maxInstructionDefs',
              'maxStackElements', 'maxSizeOfInstructions', 'maxComponentElements'):
        setattr(maxp, k, 0)
    maxp.maxZones = 1
    f['maxp'] = maxp
    for t in ('CFF ', 'VORG'):
        if t in f:
            del f[t]
    f['head'].glyphDataFormat, f['head'].indexToLocFormat = 0, 0
    f['head'].created = f['head'].modified = 3_850_000_000  # fixed (seconds since 1904) so reruns are identical
    f.sfntVersion = '\x00\x01\x00\x00'
    post = f['post']
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    path = os.path.join(tmpdir, 'NotoSansCJKjp-subset.ttf')
    f.recalcTimestamp = False
    f.save(path)
    pdfmetrics.registerFont(TTFont(name, path))
    return name


def sw(text, font, size, cs=0.0):
    return pdfmetrics.stringWidth(text, font, size) + cs * len(text)


def wrap(text, font, size, width):
    words, lines, cur = text.split(' '), [], ''
    for w in words:
        t = (cur + ' ' + w) if cur else w
        if sw(t, font, size) <= width or not cur:
            cur = t
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return lines


class Doc:
    def __init__(self, size='A4'):
        self.size = LETTER if size == 'letter' else A4
        self.W, self.H = self.size
        self.pages = [[]]
        self.seq = 0

    @property
    def page(self):
        return len(self.pages) - 1

    def new_page(self):
        self.pages.append([])

    def _add(self, op):
        op['seq'] = self.seq
        self.seq += 1
        self.pages[-1].append(op)

    def text(self, x, y, s, font='Sans', size=10, color='#000000', align='l', cs=0.0, col='main'):
        self._add(dict(kind='text', x=x, y=y, s=s, font=font, size=size, color=color, align=align, cs=cs, col=col))
        return sw(s, font, size, cs)

    def runs(self, x, y, parts, col='main'):
        """Several styled runs on one baseline, left to right: parts = [(text, font, size, color)]."""
        for s, font, size, color in parts:
            self.text(x, y, s, font, size, color, col=col)
            x += sw(s, font, size)
        return x

    def rule(self, x1, y1, x2, y2, width=0.6, color='#000000', col='main'):
        self._add(dict(kind='line', x1=x1, y1=y1, x2=x2, y2=y2, width=width, color=color, col=col))

    def rect(self, x, y, w, h, fill='#eeeeee', col='main'):
        self._add(dict(kind='rect', x=x, y=y, w=w, h=h, fill=fill, col=col))

    # ---------------------------------------------------------------- writing
    def _ordered(self, ops, order, seed):
        graphics = [o for o in ops if o['kind'] != 'text']
        texts = [o for o in ops if o['kind'] == 'text']
        kind = order['kind'] if isinstance(order, dict) else order
        if kind == 'natural':
            pass
        elif kind == 'columns':
            rank = {c: i for i, c in enumerate(order['cols'])}
            texts.sort(key=lambda o: (rank.get(o['col'], len(rank)), o['seq']))
        elif kind == 'y_down':
            texts.sort(key=lambda o: (-round(o['y'], 1), o['x'] if o['align'] == 'l' else o['x'] - 1e3, o['seq']))
        elif kind == 'y_up':
            texts.sort(key=lambda o: (round(o['y'], 1), o['x'], o['seq']))
        elif kind == 'words':
            words = []
            for o in texts:
                x = o['x']
                w = sw(o['s'], o['font'], o['size'], o['cs'])
                if o['align'] == 'r':
                    x -= w
                elif o['align'] == 'c':
                    x -= w / 2
                pos = 0
                for part in o['s'].split(' '):
                    if part:
                        px = x + sw(o['s'][:pos], o['font'], o['size'], o['cs'])
                        words.append(dict(o, x=px, s=part, align='l'))
                    pos += len(part) + 1
            rnd = random.Random(seed)
            rnd.shuffle(words)
            texts = words
        else:
            raise ValueError(kind)
        return graphics + texts

    def asides(self):
        """Right-aligned cells (dates, cities) as {page: [(baseline, left x)]}, for layout_text()."""
        out = {}
        for i, ops in enumerate(self.pages):
            for o in ops:
                if o.get('aside'):
                    out.setdefault(i, []).append((o['y'], o['x'] - sw(o['s'], o['font'], o['size'], o['cs'])))
        return out

    def save(self, path, order='natural', seed=1, title='', author=''):
        c = canvas.Canvas(path, pagesize=self.size, invariant=1, pageCompression=1)
        c.setTitle(title)
        c.setAuthor(author)
        c.setCreator('tuned2/generate.py (ReportLab canvas)')
        for i, ops in enumerate(self.pages):
            for o in self._ordered(ops, order, seed + i):
                if o['kind'] == 'rect':
                    c.setFillColor(HexColor(o['fill']))
                    c.rect(o['x'], o['y'], o['w'], o['h'], stroke=0, fill=1)
                elif o['kind'] == 'line':
                    c.setStrokeColor(HexColor(o['color']))
                    c.setLineWidth(o['width'])
                    c.line(o['x1'], o['y1'], o['x2'], o['y2'])
                else:
                    c.setFillColor(HexColor(o['color']))
                    c.setFont(o['font'], o['size'])
                    if o['cs']:
                        x = o['x']
                        w = sw(o['s'], o['font'], o['size'], o['cs'])
                        if o['align'] == 'r':
                            x -= w
                        elif o['align'] == 'c':
                            x -= w / 2
                        c.saveState()
                        t = c.beginText(x, o['y'])
                        t.setFont(o['font'], o['size'])
                        t.setCharSpace(o['cs'])
                        t.textOut(o['s'])
                        c.drawText(t)
                        c.restoreState()
                    elif o['align'] == 'r':
                        c.drawRightString(o['x'], o['y'], o['s'])
                    elif o['align'] == 'c':
                        c.drawCentredString(o['x'], o['y'], o['s'])
                    else:
                        c.drawString(o['x'], o['y'], o['s'])
            c.showPage()
        c.save()


class Flow:
    """A column: a cursor that moves down the page as text is added."""

    def __init__(self, doc, x, width, top, bottom, col='main', on_new_page=None):
        self.d, self.x, self.w, self.y, self.top, self.bottom, self.col = doc, x, width, top, top, bottom, col
        self.on_new_page = on_new_page
        self.font = 'Sans'
        self.title_w = width

    def need(self, h):
        if self.y - h < self.bottom:
            if not self.on_new_page:
                raise OverflowError(f'column {self.col!r} overflows the page (y={self.y:.1f}, need {h:.1f})')
            self.d.new_page()
            self.y = self.on_new_page()

    def gap(self, h):
        self.y -= h

    def para(self, text, font='Sans', size=9.5, leading=None, color='#222222', indent=0.0, width=None):
        """Wrapped paragraph; returns the baselines used."""
        leading = leading or size * 1.3
        width = (width or self.w) - indent
        lines = wrap(text, font, size, width)
        ys = []
        for ln in lines:
            self.need(leading)
            self.y -= leading
            self.d.text(self.x + indent, self.y, ln, font, size, color, col=self.col)
            ys.append(self.y)
        return ys

    def bullets(self, items, font='Sans', size=9.2, leading=None, color='#222222', bullet='•', indent=9.0):
        leading = leading or size * 1.3
        for it in items:
            lines = wrap(it, font, size, self.w - indent)
            self.need(leading * len(lines))
            for k, ln in enumerate(lines):
                self.y -= leading
                if k == 0:
                    self.d.text(self.x + 1.5, self.y, bullet, font, size, color, col=self.col)
                self.d.text(self.x + indent, self.y, ln, font, size, color, col=self.col)

    def line(self, text, font='Sans', size=9.5, color='#222222', leading=None, right=None, right_font=None,
             right_size=None, right_color=None, cs=0.0):
        """One line with an optional right-aligned part (drawn with drawRightString)."""
        leading = leading or size * 1.3
        self.need(leading)
        self.y -= leading
        if text:
            self.d.text(self.x, self.y, text, font, size, color, cs=cs, col=self.col)
        if right:
            self.d.text(self.x + self.w, self.y, right, right_font or font, right_size or size,
                        right_color or color, align='r', col=self.col)
            self.d.pages[-1][-1]['aside'] = True
        return self.y


# --------------------------------------------------------------------------- reading back
def _chars(page):
    tp = page.get_textpage()
    n = pdfium_c.FPDFText_CountChars(tp)
    out = []
    x, y = ctypes.c_double(), ctypes.c_double()
    rect = pdfium_c.FS_RECTF()
    for i in range(n):
        if pdfium_c.FPDFText_IsGenerated(tp, i):
            continue
        ch = chr(pdfium_c.FPDFText_GetUnicode(tp, i))
        if ch in '\r\n':
            continue
        pdfium_c.FPDFText_GetCharOrigin(tp, i, ctypes.byref(x), ctypes.byref(y))
        pdfium_c.FPDFText_GetLooseCharBox(tp, i, ctypes.byref(rect))
        fs = pdfium_c.FPDFText_GetFontSize(tp, i)
        out.append(dict(ch=ch, x=x.value, y=y.value, l=rect.left, r=rect.right, fs=fs, i=i))
    return out


def _join(cs):
    s, prev = '', None
    for c in cs:
        if c['ch'].isspace():
            if s and not s.endswith(' '):
                s += ' '
            prev = c
            continue
        if prev is not None and not prev['ch'].isspace() and c['l'] - prev['r'] > 0.12 * min(c['fs'], prev['fs']):
            if not s.endswith(' '):
                s += ' '
        s += c['ch']
        prev = c
    return s.strip()


def _lines(chars, asides=()):
    """Lines top to bottom; right-aligned cells listed in `asides` (baseline, left x) are taken out of their lines
    and listed after the region (a right-aligned date column read as a column of its own), so a heading wrapped
    over two lines reads as one."""
    lines = []
    for c in sorted(chars, key=lambda c: -c['y']):
        if lines and abs(lines[-1][0] - c['y']) <= 2.0:
            lines[-1][1].append(c)
        else:
            lines.append([c['y'], [c]])
    out, tail = [], []
    for y, cs in lines:
        cs.sort(key=lambda c: c['x'])
        xl = min((a[1] for a in asides if abs(a[0] - y) <= 2.0 and any(c['x'] >= a[1] - 0.5 for c in cs)),
                 default=None)
        if xl is None:
            out.append(_join(cs))
        else:
            out.append(_join([c for c in cs if c['x'] < xl - 0.5]))
            tail.append(_join([c for c in cs if c['x'] >= xl - 0.5]))
    return [t for t in out + tail if t]


def layout_text(path, splits=None, asides=None):
    """Text rebuilt from character positions: each page cut into vertical regions at the x positions in
    `splits` (e.g. the sidebar edge), each region read top to bottom, lines left to right."""
    d = pdfium.PdfDocument(path)
    pages = []
    for pi in range(len(d)):
        chars = _chars(d[pi])
        cuts = sorted((splits or {}).get(pi, (splits or {}).get('all', [])))
        regions = [[] for _ in range(len(cuts) + 1)]
        for c in chars:
            cx = c['x'] if c['ch'].isspace() else (c['l'] + c['r']) / 2
            k = sum(cx > s for s in cuts)
            regions[k].append(c)
        a = (asides or {}).get(pi, [])
        pages.append('\n'.join('\n'.join(_lines(reg, a)) for reg in regions if reg))
    return '\n'.join(pages), len(d)


def stream_text(path):
    d = pdfium.PdfDocument(path)
    return '\n'.join(d[i].get_textpage().get_text_range() for i in range(len(d))), len(d)


def first_stream_chars(path, n=40):
    """The first `n` non-space characters of page 1 in content-stream order."""
    d = pdfium.PdfDocument(path)
    return ''.join(c['ch'] for c in sorted(_chars(d[0]), key=lambda c: c['i']) if not c['ch'].isspace())[:n]
