"""Helpers shared by the tuned2 generator, copied from ../tuned/generate.py so that the ground truth (schema,
date formats, skill detection, total months, phone normalisation) and the self-checks are exactly the same.
Changes from the copy are marked 'tuned2:' (the year-only date kind; `tool` passed in by the caller)."""
import json
import os
import re

import docx
import phonenumbers

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
TAXONOMY = os.path.join(REPO, 'tests', 'fixtures', 'resumes', 'skills_taxonomy.json')
AS_OF = '2026-12'

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
    if k == 'year':  # tuned2: year only; the data gives YYYY-01 for a start and YYYY-12 for an end
        return str(y)
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



def groups(exps):
    """Consecutive roles at the same employer."""
    out = []
    for e in exps:
        if out and out[-1][0]['company'] == e['company'] and e.get('group', True):
            out[-1].append(e)
        else:
            out.append([e])
    return out


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
def ground_truth(r, pages, tool):  # tuned2: tool passed in
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
        'tool': tool,
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


