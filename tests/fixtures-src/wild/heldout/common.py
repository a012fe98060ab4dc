# -*- coding: utf-8 -*-
"""Shared helpers: date formatting, section titles, skill matching, experience arithmetic."""
import json
import os
import re
from html import escape as _esc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
TAXONOMY_PATH = os.path.join(REPO, "tests", "fixtures", "resumes", "skills_taxonomy.json")
AS_OF = "2026-12"

EN3 = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
ENF = ("January February March April May June July August September October November December").split()
PT = "jan fev mar abr mai jun jul ago set out nov dez".split()
ES = "ene. feb. mar. abr. may. jun. jul. ago. sept. oct. nov. dic.".split()
FR = "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split()


def esc(s):
    return _esc(s, quote=True)


def ym(s):
    y, m = s.split("-")
    return int(y), int(m)


def fmt_point(style, d):
    """One end of a date range; d is 'YYYY-MM' or None (current)."""
    if d is None:
        return {"mon": "Present", "full": "Present", "broken": "Present", "iso_arrow": "present",
                "pt": "atual", "es": "actualidad", "de": "heute", "fr": "aujourd'hui",
                "mmyyyy_dash": "Present", "mmyyyy_current": "Current", "apos": "now"}[style]
    y, m = ym(d)
    if style in ("mon", "broken"):
        return f"{EN3[m-1]} {y}"
    if style == "full":
        return f"{ENF[m-1]} {y}"
    if style == "iso_arrow":
        return f"{y:04d}-{m:02d}"
    if style == "pt":
        return f"{PT[m-1]}/{y}"
    if style == "es":
        return f"{ES[m-1]} {y}"
    if style == "fr":
        return f"{FR[m-1]} {y}"
    if style in ("de", "mmyyyy_dash", "mmyyyy_current"):
        return f"{m:02d}/{y}"
    if style == "apos":
        return f"{EN3[m-1]} '{y % 100:02d}"
    raise ValueError(style)


def fmt_range(style, start, end):
    sep = {"iso_arrow": " → ", "mmyyyy_dash": " - "}.get(style, " – ")
    return fmt_point(style, start) + sep + fmt_point(style, end)


def fmt_range_html(style, start, end):
    if style == "broken":
        a, b = fmt_point(style, start), fmt_point(style, end)
        a = a.replace(" ", "<br>")
        b = b.replace(" ", "<br>")
        return f"{a} –<br>{b}"
    return esc(fmt_range(style, start, end))


SECTION_TITLES = {
    "en": dict(summary="Summary", experience="Experience", education="Education", skills="Skills",
               certifications="Certifications", languages="Languages", projects="Projects & Talks",
               contact="Contact"),
    "de": dict(summary="Profil", experience="Berufserfahrung", education="Ausbildung", skills="Kenntnisse",
               certifications="Zertifikate", languages="Sprachen", projects="Projekte", contact="Kontakt"),
    "fr": dict(summary="Profil", experience="Expérience professionnelle", education="Formation",
               skills="Compétences", certifications="Certifications", languages="Langues",
               projects="Projets", contact="Contact"),
    "es": dict(summary="Perfil", experience="Experiencia profesional", education="Formación",
               skills="Habilidades", certifications="Certificaciones", languages="Idiomas",
               projects="Proyectos", contact="Contacto"),
    "pt": dict(summary="Perfil", experience="Experiência profissional", education="Formação académica",
               skills="Competências", certifications="Certificações", languages="Línguas",
               projects="Projetos", contact="Contacto"),
}


def T(r, key):
    return SECTION_TITLES[r["lang"]][key]


def edu_line(e):
    """Degree + field as printed."""
    if not e["field"]:
        return e["degree"]
    sep = e["sep"] if e["sep"] is not None else " in "
    return f"{e['degree']}{sep}{e['field']}"


def edu_year(e, lang):
    if e["expected"]:
        return {"en": "expected", "de": "voraussichtlich", "fr": "prévu", "es": "previsto",
                "pt": "previsto"}[lang] + f" {e['end_year']}"
    return str(e["end_year"])


def skill_items(r):
    """Skills section as list of (label, [items]) -- items split on '|' when a grid is wanted."""
    out = []
    for label, txt in r["skills_section"]:
        out.append((label, txt.split("|") if "|" in txt else [txt]))
    return out


def skills_section_text(r):
    return " ; ".join(f"{l} {t.replace('|', ', ')}" for l, t in r["skills_section"])


# ---------------------------------------------------------------- skill matching
_TAX = None


def taxonomy():
    global _TAX
    if _TAX is None:
        with open(TAXONOMY_PATH, encoding="utf-8") as f:
            _TAX = json.load(f)
    return _TAX


def norm_ws(t):
    return re.sub(r"\s+", " ", t.replace("\u00ad", ""))


def find_skills(text):
    t = norm_ws(text)
    found = {}
    for canon, forms in taxonomy().items():
        for f in forms:
            m = re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", t)
            if m:
                found[canon] = f
                break
    return found


# ---------------------------------------------------------------- experience arithmetic
def months_covered(roles, as_of=AS_OF):
    months = set()
    for ro in roles:
        y, m = ym(ro["start"])
        ey, em = ym(ro["end"] or as_of)
        a, b = y * 12 + m - 1, ey * 12 + em - 1
        assert a <= b, ro
        months.update(range(a, b + 1))
    return len(months)
