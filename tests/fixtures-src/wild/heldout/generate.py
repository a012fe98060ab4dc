#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Regenerate the held-out wild resume fixtures (PDF via headless Chromium, DOCX via python-docx)
and their ground-truth JSON from the data in resumes_a.py / resumes_b.py.

Usage:  python generate.py [--only h01,h05] [--keep-html]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

import phonenumbers
import pypdfium2 as pdfium

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import (AS_OF, REPO, T, SECTION_TITLES, fmt_range, find_skills, months_covered, norm_ws,  # noqa: E402
                    skills_section_text, edu_line, edu_year)
from docx_templates import DOCX_TEMPLATES  # noqa: E402
from html_templates import TEMPLATES  # noqa: E402
from resumes_a import RESUMES_A  # noqa: E402
from resumes_b import RESUMES_B  # noqa: E402

OUT = os.path.join(REPO, "tests", "fixtures", "resumes", "wild", "heldout")
RESUMES = RESUMES_A + RESUMES_B
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"

# keys of the data description that are never printed in the document
META_KEYS = {"id", "tool", "template", "lang", "paper", "notes", "layout", "date_style", "phone_region",
             "linkedin_slug", "github", "portfolio", "first", "last", "suffix", "variants", "group_employer",
             "level", "expected", "sep", "start", "end", "end_year", "note"}


def printed_strings(obj):
    """Every string of the data description that the templates print."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in META_KEYS:
                yield from printed_strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from printed_strings(v)


def data_text(r):
    parts = list(printed_strings(r))
    parts += [fmt_range(r["date_style"], ro["start"], ro["end"]) for ro in r["roles"]]
    parts += list(SECTION_TITLES[r["lang"]].values())
    return "\n".join(p.replace("|", ", ") for p in parts)


# ---------------------------------------------------------------- rendering
def render_pdf(r, out_pdf, keep_html):
    html = TEMPLATES[r["template"]](r)
    tmpdir = tempfile.mkdtemp(prefix="fx_")
    hp = os.path.join(tmpdir, r["id"] + ".html")
    with open(hp, "w", encoding="utf-8") as f:
        f.write(html)
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
           f"--print-to-pdf={out_pdf}", "file://" + hp]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180)
    if keep_html:
        shutil.copy(hp, os.path.join(HERE, "build_" + r["id"] + ".html"))
    shutil.rmtree(tmpdir, ignore_errors=True)
    doc = pdfium.PdfDocument(out_pdf)
    pages = len(doc)
    text = "\n".join(pg.get_textpage().get_text_range() for pg in doc)
    doc.close()
    return text, pages


def docx_text(path):
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
                x = z.read(name).decode("utf-8")
                buf = []
                for m in re.finditer(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:tab/>|</w:p>|<w:br/>", x):
                    tok = m.group(0)
                    if m.group(1) is not None:
                        buf.append(m.group(1))
                    elif tok == "<w:tab/>":
                        buf.append("\t")
                    else:
                        buf.append("\n")
                x = "".join(buf)
                out.append(x.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                           .replace("&apos;", "'").replace("&amp;", "&"))
    return "\n".join(out)


def render_docx(r, out_docx):
    DOCX_TEMPLATES[r["template"]](r, out_docx)
    return docx_text(out_docx), r.get("pages", 1)


# ---------------------------------------------------------------- ground truth
def norm_linkedin(slug):
    return f"https://www.linkedin.com/in/{slug}"


def ground_truth(r, fname, pages, rendered):
    skills = sorted(find_skills(data_text(r)))
    in_section = sorted(find_skills(skills_section_text(r)))
    assert set(in_section) <= set(skills)
    months = months_covered(r["roles"])
    phone_e164 = None
    if r.get("phone"):
        pn = phonenumbers.parse(r["phone"], r.get("phone_region"))
        assert phonenumbers.is_valid_number(pn), (r["id"], r["phone"])
        phone_e164 = phonenumbers.format_number(pn, phonenumbers.PhoneNumberFormat.E164)
    variants = list(r.get("variants", []))
    if r.get("suffix"):
        variants.append({"first_name": r["first"], "last_name": f"{r['last']} {r['suffix']}"})
    gt = {
        "file": fname,
        "set": "heldout",
        "tool": r["tool"],
        "first_name": r["first"],
        "last_name": r["last"],
    }
    if variants:
        gt["accepted_name_variants"] = variants
    if r.get("name_native"):
        gt["name_native"] = r["name_native"]
    gt.update({
        "email": r.get("email"),
        "phone": r.get("phone"),
        "phone_e164": phone_e164,
        "linkedin_url": norm_linkedin(r["linkedin_slug"]) if r.get("linkedin_slug") else None,
        "github_url": r.get("github"),
        "portfolio_url": r.get("portfolio"),
        "location": r["location"],
        "headline": r["headline"],
        "skills": skills,
        "skills_in_skills_section": in_section,
        "skills_only_in_prose": sorted(set(skills) - set(in_section)),
        "experience": [
            {"job_title": ro["title"], "company_name": ro["company"], "start_date": ro["start"],
             "end_date": ro["end"], "is_current": ro["end"] is None} for ro in r["roles"]],
        "education": [
            {"degree": e["degree"], "degree_level": e["level"], "institution": e["institution"],
             "field_of_study": e["field"], "end_year": e["end_year"], "expected": e["expected"]}
            for e in r["education"]],
        "certifications": r["certifications"],
        "languages": r["languages"],
        "total_years_experience": round(months / 12, 1),
        "total_months_experience": months,
        "as_of": AS_OF,
        "pages": pages,
        "layout": r["layout"],
        "document_language": r["lang"],
        "notes": r["notes"],
    })
    return gt


# ---------------------------------------------------------------- verification
def check(r, gt, text):
    errs = []
    t = norm_ws(unicodedata.normalize("NFC", text))
    must = [r["name_printed"], r["headline"]] + [ro["company"] for ro in r["roles"]] + \
           [ro["title"] for ro in r["roles"]] + [e["institution"] for e in r["education"]]
    for k in ("email", "phone", "linkedin_printed", "github_printed", "portfolio_printed", "name_native", "label"):
        if r.get(k):
            must.append(r[k])
    for ro in r["roles"]:
        must.append(norm_ws(fmt_range(r["date_style"], ro["start"], ro["end"])) if r["date_style"] != "broken"
                    else None)
    label = r.get("label")
    if label and re.sub(r"\s", "", label).lower() not in re.sub(r"\s", "", t).lower():
        errs.append(f"label not in rendered text: {label!r}")
    for s in filter(None, must):
        if s == label:
            continue
        if norm_ws(s) not in t:
            errs.append(f"not in rendered text: {s!r}")
    rendered_skills = find_skills(text)
    if set(rendered_skills) != set(gt["skills"]):
        errs.append(f"skill mismatch: rendered-only {sorted(set(rendered_skills) - set(gt['skills']))}, "
                    f"data-only {sorted(set(gt['skills']) - set(rendered_skills))}")
    for ro in r["roles"]:
        for b in ro["bullets"]:
            squash = re.sub(r"\s", "", t.replace("\ufffe", "-"))
            if re.sub(r"\s", "", b) not in squash:
                errs.append(f"bullet not found verbatim: {b[:50]!r}")
    if r.get("email") is None and re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", t):
        errs.append("an e-mail address is printed although email is null")
    expect_pages = r.get("expect_pages")
    if expect_pages and gt["pages"] != expect_pages:
        errs.append(f"pages {gt['pages']} != expected {expect_pages}")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--keep-html", action="store_true")
    ap.add_argument("--show-skills", action="store_true")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    os.makedirs(OUT, exist_ok=True)
    failed = False
    for r in RESUMES:
        if only and r["id"] not in only:
            continue
        if r["tool"] == "chromium-html":
            fname = r["id"] + ".pdf"
            text, pages = render_pdf(r, os.path.join(OUT, fname), a.keep_html)
        else:
            fname = r["id"] + ".docx"
            text, pages = render_docx(r, os.path.join(OUT, fname))
        gt = ground_truth(r, fname, pages, text)
        errs = check(r, gt, text)
        with open(os.path.join(OUT, r["id"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(gt, f, ensure_ascii=False, indent=2)
            f.write("\n")
        status = "OK " if not errs else "ERR"
        print(f"{status} {fname}: pages={pages} months={gt['total_months_experience']} skills={len(gt['skills'])}")
        if a.show_skills:
            found = find_skills(data_text(r))
            print("     ", ", ".join(f"{k}<-{v!r}" for k, v in sorted(found.items())))
        for e in errs:
            print("     ", e)
        failed = failed or bool(errs)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
