# -*- coding: utf-8 -*-
"""Data description for held-out fixtures h09-h16 (all fictitious)."""
from resumes_a import role, edu

RESUMES_B = [
    # ------------------------------------------------------------------ h09
    dict(
        id="h09", tool="chromium-html", template="wraphead", lang="en", paper="A4",
        first="Ji-hoon", last="Park", name_printed="PARK Ji-hoon", name_native="박지훈",
        variants=[dict(first_name="Jihoon", last_name="Park")],
        headline="Lead SDET · Test Automation",
        location="Seoul, South Korea",
        email="jihoon.park@example.com",
        phone="+82 10-2345-6789", phone_region=None,
        linkedin_printed="linkedin.com/in/park-jihoon-qa", linkedin_slug="park-jihoon-qa",
        github_printed="github.com/jhpark-sdet", github="https://github.com/jhpark-sdet",
        portfolio=None,
        summary=("Test automation engineer with ten years in mobility, e-commerce and logistics. I build test "
                 "frameworks developers actually run, and I treat flaky tests as production bugs."),
        date_style="apos",
        roles=[
            role("Lead Software Development Engineer in Test (SDET)", "Hanbit Mobility Platform Co., Ltd.", "2022-01", None, "Seoul, South Korea", [
                "Lead a team of six SDETs covering the ride-hailing apps (Android, iOS) and 60 backend services.",
                "Replaced a Selenium grid with Playwright; end-to-end suite runtime dropped from 95 to 18 minutes.",
                "Built contract and performance testing (k6) into the GitHub Actions release pipeline.",
            ]),
            role("SDET", "Gangnam Commerce Solutions Inc.", "2019-03", "2021-12", "Seoul, South Korea", [
                "Wrote the pytest-based API test framework used by 14 squads; 3,500 automated checks per build.",
                "Automated checkout regression with Cypress and Postman collections run from Jenkins.",
            ]),
            role("QA Engineer", "Busan Maritime Logistics Co., Ltd.", "2016-07", "2019-02", "Busan, South Korea", [
                "Moved manual regression of the port-terminal system to Selenium WebDriver tests in Java.",
                "Ran JMeter load tests before each quarterly release.",
            ]),
        ],
        education=[
            edu("B.S.", "bachelor", "Pusan National University", "Computer Science and Engineering", 2016),
        ],
        skills_section=[
            ("Automation", "Playwright, Selenium, Cypress, pytest, JUnit, Postman"),
            ("Performance", "k6, JMeter"),
            ("Languages", "Python, Java, Kotlin, TypeScript"),
            ("CI", "GitHub Actions, Jenkins, Docker"),
        ],
        certifications=["ISTQB Advanced Level Test Automation Engineer"],
        languages=["Korean (native)", "English (fluent)", "Japanese (JLPT N3)"],
        layout="wrapping_title_company_city_headers",
        notes=["Korean name family-name first with Hangul beside the Latin",
               "'Title, Company — City' headers long enough to wrap onto two lines; company contains 'Co., Ltd.'",
               "each new role header follows the previous role's last bullet with no spacing",
               "title acronyms (SDET), dates like \"Jan '22 – now\""],
    ),
    # ------------------------------------------------------------------ h10
    dict(
        id="h10", tool="chromium-html", template="twopage_thead", lang="en", paper="A4",
        first="Eszter", last="Kovács", name_printed="Kovács Eszter",
        headline="Senior Backend Engineer (Go)",
        location="Budapest, Hungary",
        email="eszter.kovacs@example.net",
        phone="+36 30 123 4567", phone_region=None,
        linkedin_printed="linkedin.com/in/kovacs-eszter", linkedin_slug="kovacs-eszter",
        github_printed="github.com/ekovacs", github="https://github.com/ekovacs",
        portfolio=None,
        summary=("Backend engineer with twelve years of experience designing payment and telecom systems. I write "
                 "Golang services, design PostgreSQL schemas carefully and like to leave systems simpler than I "
                 "found them. Experienced in technical leadership of small teams and in hiring."),
        date_style="full",
        roles=[
            role("Senior Backend Engineer", "Danubia Fintech Zrt.", "2021-09", None, "Budapest", [
                "Designed the ledger service in Go handling 1.5M payments per day with exactly-once semantics over Kafka.",
                "Split a Ruby on Rails monolith into eight services with gRPC interfaces over two years.",
                "Introduced OpenTelemetry tracing and SLO dashboards in Grafana.",
                "Interview loop owner for backend hiring; mentored four engineers to mid-level.",
            ]),
            role("Backend Engineer", "Pannon Telekom Kft.", "2018-09", "2021-08", "Budapest", [
                "Built the number-portability API (Go, PostgreSQL, Redis) integrating with three national carriers.",
                "Reduced p99 latency of the subscriber lookup service from 480 ms to 35 ms.",
                "Ran the migration of CI pipelines from Jenkins to GitLab CI.",
            ]),
            role("Software Developer", "Balaton Software Kft.", "2016-02", "2018-08", "Veszprém", [
                "Developed hotel booking integrations in Python and Django for 200 lakeside properties.",
                "Maintained MySQL replication and nightly backups.",
            ]),
            role("Junior Developer", "Tisza Informatika Bt.", "2014-07", "2016-01", "Szeged", [
                "Maintained PHP intranet applications for regional municipalities.",
                "Wrote the first automated test suite for the invoicing module.",
            ]),
        ],
        projects=[
            ("ledgerkit (open source)", "A small Go library for double-entry bookkeeping primitives; used by two fintech start-ups in the region."),
            ("Talk: \u201cIdempotency keys in practice\u201d", "Budapest Go Meetup, 2023; GopherCon EU lightning talk, 2024."),
            ("Article", "\u201cWhat we learned splitting a monolith\u201d \u2014 company engineering blog, 2022."),
            ("Teaching", "Guest lecturer for the distributed systems elective at the University of Szeged (2019\u20132021)."),
        ],
        education=[
            edu("MSc", "master", "Budapest University of Technology and Economics", "Computer Engineering", 2014),
            edu("BSc", "bachelor", "University of Szeged", "Computer Science", 2012),
        ],
        skills_section=[
            ("Languages", "Go, Python, SQL, Ruby"),
            ("Data", "PostgreSQL, Redis, Apache Kafka, MySQL"),
            ("Infrastructure", "Docker, Kubernetes, GCP, Terraform, GitLab CI"),
            ("Design", "distributed systems, system design, gRPC, REST APIs"),
        ],
        certifications=["Google Cloud Professional Cloud Developer"],
        languages=["Hungarian (native)", "English (C2)", "German (B1)"],
        layout="two_page_thead_running_header_company_city_right",
        notes=["two pages; header with name and contact repeats on every page (repeated table header), footer repeats too",
               "Hungarian name printed family-name first without any native-script hint",
               "employer line with city right-aligned, title line with full month names ('September 2018 – Present')",
               "skills in free text as 'Golang' and 'Go'"],
    ),
    # ------------------------------------------------------------------ h11
    dict(
        id="h11", tool="python-docx", template="docx_header_contact", lang="en", paper="A4",
        first="Siobhán M.", last="Ó Briain", name_printed="Siobhán M. Ó Briain",
        variants=[dict(first_name="Siobhán", last_name="Ó Briain")],
        headline="Senior Product Manager",
        location="Dublin, Ireland",
        email="siobhan.obriain@example.org",
        phone="+353 85 123 4567", phone_region=None,
        linkedin_printed="linkedin.com/in/siobhan-o-briain", linkedin_slug="siobhan-o-briain",
        github_printed=None, github=None, portfolio=None,
        summary=("Product manager with eleven years in B2B software and insurance. I run discovery with real "
                 "customers, keep roadmaps honest, and work closely with engineering on delivery."),
        date_style="mon",
        roles=[
            role("Senior Product Manager", "Liffey Data Systems Ltd", "2021-06", None, "Dublin", [
                "Own product strategy for the analytics suite (€14M ARR); grew net revenue retention from 104% to 118%.",
                "Run continuous discovery: 10+ user interviews a month and quarterly usability testing.",
                "Introduced an experimentation platform with A/B tests on onboarding flows.",
            ]),
            role("Product Manager", "Connacht Software DAC", "2018-02", "2021-05", "Galway", [
                "Launched the self-service billing portal, reducing support tickets by 35%.",
                "Worked with design on a shared design system in Figma adopted by four product teams.",
                "Facilitated Scrum ceremonies for two squads; backlog managed in Jira.",
            ]),
            role("Business Analyst", "Shannon Insurance plc", "2015-09", "2018-01", "Limerick", [
                "Gathered requirements for the claims platform replacement; wrote 300+ user stories.",
                "Built SQL and Excel models for claims-handling capacity planning.",
            ]),
        ],
        education=[
            edu("MBA (part-time)", "master", "UCD Michael Smurfit Graduate Business School", None, 2027, expected=True),
            edu("BA", "bachelor", "University of Galway", "Economics and Mathematical Studies", 2015),
        ],
        skills_section=[
            ("", "Product Strategy · Roadmapping · User Research · A/B Testing · Stakeholder Management · Agile/Scrum · Jira · Figma · SQL"),
        ],
        certifications=["Professional Scrum Product Owner I (PSPO I)"],
        languages=["English (native)", "Irish (fluent)", "French (B1)"],
        layout="docx_experience_table_contact_in_header",
        notes=["DOCX; e-mail, phone, LinkedIn and location only in the page header (name in the body)",
               "experience in a two-column table (dates | role details)",
               "Irish surname with particle 'Ó' and accented given name, middle initial",
               "an MBA in progress (expected 2027)"],
    ),
    # ------------------------------------------------------------------ h12
    dict(
        id="h12", tool="python-docx", template="docx_two_column", lang="en", paper="letter",
        first="Kenta", last="Yamamoto", name_printed="YAMAMOTO Kenta", name_native="山本 健太",
        headline="iOS Developer",
        location="Tokyo, Japan",
        email="kenta.yamamoto@example.jp",
        phone="+81 90-1234-5678", phone_region=None,
        linkedin_printed="linkedin.com/in/kenta-yamamoto-ios", linkedin_slug="kenta-yamamoto-ios",
        github_printed="github.com/kyamamoto", github="https://github.com/kyamamoto",
        portfolio=None,
        summary=("iOS developer with eight years of Swift experience, from fintech to consumer apps with "
                 "millions of users. Care about accessibility, smooth animations and a clean modular codebase."),
        date_style="mon",
        roles=[
            role("Senior iOS Developer", "Sakura Fintech K.K.", "2022-04", None, "Tokyo", [
                "Lead developer of the retail banking app (1.8M monthly users), rebuilt in SwiftUI.",
                "Modularised the codebase into 30 Swift packages; build times down 40%.",
                "Coordinated VoiceOver accessibility audit and fixes with the design team.",
            ]),
            role("iOS Developer", "Shibuya Apps Co., Ltd.", "2019-04", "2022-03", "Tokyo", [
                "Built features for a food-delivery app in Swift and Objective-C; integrated Firebase analytics.",
                "Wrote XCTest UI tests and set up CI/CD with Fastlane and GitHub Actions.",
            ]),
            role("Mobile Engineer Intern", "Kanda Labs Inc.", "2018-07", "2019-03", "Tokyo", [
                "Prototyped a Flutter companion app for a smart-lock product.",
            ]),
        ],
        education=[
            edu("B.Eng.", "bachelor", "Tokyo Institute of Technology", "Information Engineering", 2019),
        ],
        skills_section=[
            ("", "Swift|SwiftUI|Objective-C|iOS|Firebase|Flutter|GitHub Actions|Git|REST APIs|GraphQL"),
        ],
        certifications=[],
        languages=["Japanese (native)", "English (business, TOEIC 905)"],
        layout="docx_two_column_table_sidebar_left",
        notes=["DOCX laid out as a two-column table (left sidebar with contact, skills grid, languages)",
               "Japanese name family-name first with kanji beside the Latin",
               "title starting with a lower-case letter (iOS Developer)", "skills in a nested 2-column grid table",
               "internship overlapping with the last year of university"],
    ),
    # ------------------------------------------------------------------ h13
    dict(
        id="h13", tool="python-docx", template="docx_de_tabs", lang="de", paper="A4",
        label="Lebenslauf",
        first="Pieter", last="van der Berg", name_printed="Pieter van der Berg",
        headline="Teamleiter Data Engineering",
        location="Hamburg",
        email="pieter.vanderberg@example.de",
        phone="0151 2345 6123", phone_region="DE",
        linkedin_printed="linkedin.com/in/pietervanderberg", linkedin_slug="pietervanderberg",
        github_printed=None, github=None, portfolio=None,
        summary=("Data Engineer mit über elf Jahren Erfahrung in Logistik und Versicherungen. Ich baue "
                 "zuverlässige Datenplattformen und führe ein Team von fünf Engineers."),
        date_style="de",
        group_employer=True,
        roles=[
            role("Teamleiter Data Engineering", "Hanseatische Logistik Digital GmbH", "2022-01", None, "Hamburg", [
                "Fachliche und disziplinarische Führung von fünf Data Engineers.",
                "Aufbau einer Lakehouse-Plattform auf Databricks und Azure mit Apache Spark.",
            ]),
            role("Senior Data Engineer", "Hanseatische Logistik Digital GmbH", "2019-04", "2021-12", "Hamburg", [
                "Entwicklung von Streaming-Pipelines mit Apache Kafka für Sendungsverfolgung in Echtzeit.",
                "Einführung von dbt und automatisierten Datenqualitätstests.",
            ]),
            role("Data Engineer", "Elbtal Versicherung AG", "2017-03", "2019-03", "Hamburg", [
                "ETL-Strecken in Python und SQL für das Schadenreporting.",
                "Migration des Data Warehouse von Oracle nach PostgreSQL.",
            ]),
            role("Werkstudent Business Intelligence", "Alster Handel GmbH & Co. KG", "2015-04", "2017-02", "Hamburg", [
                "Berichte und Analysen in Tableau und Excel für den Vertrieb.",
            ]),
        ],
        education=[
            edu("M.Sc.", "master", "Technische Universität Hamburg", "Informatik", 2017, sep=" "),
            edu("B.Sc.", "bachelor", "Universiteit Twente", "Technische Informatik", 2014, sep=" "),
        ],
        skills_section=[
            ("Programmierung", "Python, SQL, Scala"),
            ("Plattformen", "Databricks, Apache Spark, Apache Kafka, Azure, dbt, PostgreSQL"),
            ("Werkzeuge", "Git, Terraform, Docker, Jira"),
        ],
        certifications=["Databricks Certified Data Engineer Professional", "Microsoft Certified: Azure Data Engineer Associate"],
        languages=["Niederländisch (Muttersprache)", "Deutsch (C2)", "Englisch (C1)"],
        layout="docx_tabs_right_dates_grouped_employer",
        notes=["German-language DOCX; 'Lebenslauf' label glued to the name on one line",
               "dates right-aligned with tab stops, 'MM/YYYY – heute'",
               "two roles under one employer line", "Dutch particle 'van der' in the surname",
               "German domestic mobile number"],
    ),
    # ------------------------------------------------------------------ h14
    dict(
        id="h14", tool="python-docx", template="docx_ats", lang="en", paper="letter",
        first="Hamish R.", last="MacLeod", suffix="III", name_printed="Hamish R. MacLeod III",
        headline="Senior Security Analyst",
        location="Halifax, Nova Scotia, Canada",
        email=None,
        phone="902-555-0163", phone_region="CA",
        linkedin_printed="www.linkedin.com/in/hamish-macleod-iii/", linkedin_slug="hamish-macleod-iii",
        github_printed=None, github=None, portfolio=None,
        summary=("Security analyst with fourteen years in networking and security operations for banking, "
                 "telecom and healthcare. Hands-on with SIEM tuning, incident response and penetration testing."),
        date_style="mmyyyy_current",
        roles=[
            role("Senior Security Analyst", "Bluenose Maritime Bank", "2020-01", None, "Halifax, NS", [
                "Lead analyst in the security operations centre; tuned Splunk correlation rules, cutting false positives by half.",
                "Coordinate incident response for the bank, including two regulator-reported events.",
                "Run annual threat modeling workshops for new digital banking features.",
            ]),
            role("Security Analyst", "Cabot Trail Telecom Inc.", "2016-05", "2019-12", "Sydney, NS", [
                "Performed internal web application pentests with Burp Suite against the OWASP Top 10.",
                "Supported the ISO 27001 certification project and the yearly surveillance audits.",
            ]),
            role("Network Administrator", "Fundy Health Authority", "2012-09", "2016-04", "Saint John, NB", [
                "Managed firewalls and VPNs for 22 clinics; rolled out network segmentation.",
                "Wrote Python scripts to audit switch configurations.",
            ]),
        ],
        education=[
            edu("Bachelor of Computer Science", "bachelor", "Dalhousie University", None, 2012),
        ],
        skills_section=[
            ("", "SIEM (Splunk), Incident Response, Penetration Testing, Burp Suite, OWASP, Network Security, ISO 27001, Python, Linux"),
        ],
        certifications=["CISSP", "OSCP", "GIAC Certified Incident Handler (GCIH)"],
        languages=["English (native)", "French (intermediate)"],
        layout="docx_ats_company_first_no_email",
        notes=["no e-mail address anywhere in the document", "plain ATS-style DOCX, all-caps headings",
               "company-first entries with MM/YYYY – Current dates", "suffix 'III' after a 'Mac' surname, middle initial",
               "North American phone with dashes, no country code"],
    ),
    # ------------------------------------------------------------------ h15
    dict(
        id="h15", tool="python-docx", template="docx_fr_table", lang="fr", paper="A4",
        label="Curriculum Vitae",
        first="Karim", last="al-Rashid", name_printed="Karim al-Rashid",
        headline="Data Scientist Senior",
        location="Lyon, France",
        email="karim.alrashid@example.fr",
        phone="+33 (0)1 99 00 64 12", phone_region=None,
        linkedin_printed="linkedin.com/in/karim-al-rashid", linkedin_slug="karim-al-rashid",
        github_printed="github.com/kalrashid", github="https://github.com/kalrashid",
        portfolio=None,
        summary=("Data scientist avec dix ans d'expérience en assurance et santé. Je conçois des modèles de "
                 "machine learning interprétables et je les mets en production avec les équipes IT."),
        date_style="fr",
        roles=[
            role("Data Scientist Senior", "Rhône Assurances S.A.", "2021-10", None, "Lyon", [
                "Modèles de tarification et de détection de fraude (XGBoost, scikit-learn) en production.",
                "Industrialisation avec MLflow et Docker ; suivi de la dérive des modèles.",
            ]),
            role("Data Scientist", "Confluence Analytique SAS", "2019-01", "2021-09", "Lyon", [
                "Missions de conseil pour des clients de la grande distribution : prévision des ventes, segmentation.",
                "Tableaux de bord Power BI et ateliers de restitution auprès des directions métier.",
            ]),
            role("Ingénieur d'études statistiques", "Institut Lumière Santé", "2016-09", "2018-12", "Villeurbanne", [
                "Analyses de survie et modèles mixtes sous R/Shiny pour des essais cliniques.",
            ]),
        ],
        education=[
            edu("Master", "master", "Université Claude Bernard Lyon 1", "Statistique et Informatique Décisionnelle", 2016, sep=", "),
            edu("Licence", "bachelor", "Université Lumière Lyon 2", "Mathématiques appliquées", 2014, sep=", "),
        ],
        skills_section=[
            ("Langages", "Python, SQL, R/Shiny"),
            ("Machine learning", "scikit-learn, XGBoost, PyTorch, MLflow"),
            ("Outils", "Docker, Git, Power BI, Airflow"),
        ],
        certifications=[],
        languages=["Français (langue maternelle)", "Arabe (courant)", "Anglais (C1)"],
        layout="docx_experience_table_header_row",
        notes=["French-language DOCX with 'Curriculum Vitae' label above the name",
               "experience as a table whose column-header row (Période / Poste / Entreprise) precedes the entries",
               "Arabic surname with lower-case particle 'al-'", "dates like 'janv. 2019 – aujourd'hui'",
               "phone with (0) trunk prefix"],
    ),
    # ------------------------------------------------------------------ h16
    dict(
        id="h16", tool="python-docx", template="docx_es_companyfirst", lang="es", paper="A4",
        first="María del Carmen", last="Ortega Ruiz", name_printed="María del Carmen Ortega Ruiz",
        variants=[dict(first_name="María", last_name="del Carmen Ortega Ruiz")],
        headline="Diseñadora UX/UI",
        location="Valencia, España",
        email="mcarmen.ortega@example.es",
        phone="+34 612 34 56 78", phone_region=None,
        linkedin_printed="linkedin.com/in/mcarmenortegaruiz", linkedin_slug="mcarmenortegaruiz",
        github_printed=None, github=None,
        portfolio_printed="mcarmenortega.example.com", portfolio="https://mcarmenortega.example.com",
        summary=("Diseñadora de producto con nueve años de experiencia en banca digital y turismo. Combino "
                 "investigación con usuarios, prototipado rápido y sistemas de diseño escalables."),
        date_style="es",
        roles=[
            role("Diseñadora UX/UI Senior", "Turia Banca Digital S.A.", "2021-05", None, "Valencia", [
                "Responsable del design system de la app de banca (Figma), usado por 40 personas de producto.",
                "Planificación y ejecución de user research y usability testing con 120 clientes al año.",
                "Auditoría de accessibility según WCAG 2.2 junto al equipo de desarrollo.",
            ]),
            role("Diseñadora UX", "Albufera Viajes S.L.", "2018-02", "2021-04", "Valencia", [
                "Rediseño del proceso de reserva; la conversión móvil subió un 22%.",
                "Prototyping de alta fidelidad en Figma y Sketch para pruebas con usuarios.",
            ]),
            role("Diseñadora Gráfica", "Estudio Malvarrosa", "2016-01", "2018-01", "Valencia", [
                "Identidad visual y materiales digitales para clientes del sector turístico.",
            ]),
        ],
        education=[
            edu("Máster", "master", "Universitat Politècnica de València", "Diseño de Interacción y Experiencia de Usuario", 2017, sep=" en "),
            edu("Grado", "bachelor", "Universitat de València", "Diseño y Comunicación Visual", 2015, sep=" en "),
        ],
        skills_section=[
            ("Diseño", "Figma, Sketch, Prototyping, Design Systems"),
            ("Investigación", "User Research, usability testing, A/B testing"),
            ("Otros", "Accessibility (WCAG), HTML/CSS, Jira"),
        ],
        certifications=["Google UX Design Professional Certificate"],
        languages=["Español (nativo)", "Valenciano (C1)", "Inglés (C1)"],
        layout="docx_company_first_city_right",
        notes=["Spanish-language DOCX; compound given name 'María del Carmen' with two surnames",
               "company-first entries with the city right-aligned on the employer line, title and dates on the next line",
               "dates like 'may. 2021 – actualidad'", "English skill words inside Spanish prose"],
    ),
]
