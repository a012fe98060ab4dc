# -*- coding: utf-8 -*-
"""Data description for held-out fixtures h01-h08 (all fictitious)."""


def role(title, company, start, end=None, city=None, bullets=()):
    return dict(title=title, company=company, start=start, end=end, city=city, bullets=list(bullets))


def edu(degree, level, institution, field, end_year, expected=False, sep=None, note=None):
    return dict(degree=degree, level=level, institution=institution, field=field,
                end_year=end_year, expected=expected, sep=sep, note=note)


RESUMES_A = [
    # ------------------------------------------------------------------ h01
    dict(
        id="h01", tool="chromium-html", template="leftdates", lang="en", paper="A4",
        first="Rachel K.", last="Abernathy", name_printed="Rachel K. Abernathy",
        headline="Senior Data Engineer",
        location="Leeds, United Kingdom",
        email="rachel.abernathy@example.com",
        phone="0113 496 0571", phone_region="GB",
        linkedin_printed="linkedin.com/in/rachel-abernathy-data", linkedin_slug="rachel-abernathy-data",
        github_printed="github.com/rkabernathy", github="https://github.com/rkabernathy",
        portfolio=None,
        summary=("Data engineer with nine years of experience building batch and streaming pipelines for "
                 "financial services and logistics. Comfortable owning a platform end to end, from ingestion "
                 "and dimensional modelling to the dashboards finance teams open every morning."),
        date_style="broken",
        roles=[
            role("Senior Data Engineer", "Kestrel Analytics Ltd", "2022-04", None, "Leeds", [
                "Lead a team of four engineers maintaining 180+ Apache Airflow DAGs that load Snowflake for 30 client accounts.",
                "Rebuilt the ingestion layer on AWS (S3, Lambda, Step Functions), cutting nightly load time from 5h to 70 minutes.",
                "Introduced dbt tests and data contracts; production data incidents fell by 60% within two quarters.",
            ]),
            role("Data Engineer", "Northbridge Building Society", "2019-03", "2022-03", "Bradford", [
                "Migrated 14 legacy SSIS packages to Python and SQL jobs orchestrated with Airflow.",
                "Designed the mortgage-book star schema used by the credit risk and regulatory reporting teams.",
                "Ran mentoring for two graduate analysts through their first production releases.",
            ]),
            role("BI Developer", "Harrowgate Logistics plc", "2017-08", "2019-02", "Wakefield", [
                "Built Power BI reports on depot utilisation and driver hours for 40 regional managers.",
                "Automated weekly Excel workbooks into scheduled T-SQL stored procedures.",
            ]),
            role("Graduate Analyst", "Calder Valley Utilities Ltd", "2016-09", "2017-07", "Halifax", [
                "Cleaned and reconciled smart-meter readings for the annual leakage report.",
            ]),
        ],
        education=[
            edu("MSc", "master", "University of Leeds", "Data Science and Analytics", 2016),
            edu("BSc (Hons)", "bachelor", "University of York", "Mathematics", 2015),
        ],
        skills_section=[
            ("Languages", "Python, SQL, T-SQL, Bash"),
            ("Data", "Snowflake, dbt, Apache Airflow, Apache Kafka, Power BI, dimensional modelling"),
            ("Cloud", "AWS (S3, Lambda, Glue), Terraform, Docker, GitHub Actions"),
        ],
        certifications=["SnowPro Core Certification", "AWS Certified Data Engineer – Associate"],
        languages=["English (native)", "German (conversational)"],
        layout="dates_left_column",
        notes=["dates in a narrow left margin column, month and year broken across lines",
               "UK domestic phone format without country code",
               "middle initial in the first name",
               "internship-like graduate role counts towards experience"],
    ),
    # ------------------------------------------------------------------ h02
    dict(
        id="h02", tool="chromium-html", template="runhead_margin", lang="en", paper="letter",
        first="Marcus D.", last="Whitfield", suffix="Jr.", name_printed="Marcus D. Whitfield Jr.",
        headline="Staff Site Reliability Engineer",
        location="Austin, TX",
        email="marcus.whitfield@example.net",
        phone="(512) 555-0147", phone_region="US",
        linkedin_printed="https://linkedin.com/in/mdwhitfieldjr/", linkedin_slug="mdwhitfieldjr",
        github_printed=None, github=None,
        portfolio_printed="mdwhitfield.example.org", portfolio="https://mdwhitfield.example.org",
        summary=("Site reliability engineer with over twelve years in operations, the last eight running large "
                 "Kubernetes fleets for logistics and healthcare workloads. I care about SLOs that mean "
                 "something to the business, blameless postmortems, and on-call rotations people do not dread."),
        date_style="mon",
        group_employer=True,
        roles=[
            role("Staff SRE", "Lonestar Freight Systems, Inc.", "2023-02", None, "Austin, TX", [
                "Own reliability for the dispatch platform (140 services, 9 EKS clusters, 2 regions) serving 30k drivers.",
                "Defined SLOs and error budgets with product owners; paging volume dropped 55% year over year.",
                "Led the migration from hand-rolled Helm charts to Argo CD with progressive delivery via Istio.",
                "Run the incident management guild and chair weekly postmortem reviews.",
            ]),
            role("Senior SRE", "Lonestar Freight Systems, Inc.", "2020-06", "2023-01", "Austin, TX", [
                "Built the Terraform module library used by 22 product teams to provision AWS accounts.",
                "Replaced Nagios with Prometheus, Grafana and OpenTelemetry tracing across all services.",
                "Wrote the capacity model that sized the 2022 peak season; zero Sev-1 outages over Black Friday.",
            ]),
            role("Site Reliability Engineer", "Bluebonnet Health Inc.", "2018-01", "2020-05", "Round Rock, TX", [
                "Moved the patient-portal stack from VMs to containerized workloads on Kubernetes.",
                "Automated certificate rotation and PKI operations, retiring a recurring quarterly outage.",
                "Wrote Go tooling for log shipping and on-call handover reports.",
            ]),
            role("Systems Administrator", "Pecan Street Hosting LLC", "2014-09", "2017-12", "Austin, TX", [
                "Administered 600 Linux servers for small-business hosting customers; introduced Ansible for configuration.",
                "Managed Nginx and MySQL tiers for 1,200 WordPress and Magento sites.",
                "Built bash scripting toolkit for backups and restores, halving mean restore time.",
            ]),
            role("IT Support Technician", "Travis County Credit Union", "2012-06", "2014-08", "Austin, TX", [
                "First-line support for 14 branches; imaged and deployed 300 workstations.",
                "Documented the branch network and firewall rules for the first external audit.",
            ]),
        ],
        projects=[
            ("Open-source", "Maintainer of a small Prometheus exporter for fleet telematics gateways (1.2k GitHub stars)."),
            ("Speaking", "\u201cError budgets for people who ship trucks\u201d \u2014 SREcon Americas 2024; Austin DevOps meetup (2022, 2023)."),
            ("Volunteering", "Runs a monthly study group for career changers preparing for cloud certifications."),
        ],
        education=[
            edu("B.S.", "bachelor", "Texas State University", "Computer Information Systems", 2012),
        ],
        skills_section=[
            ("Platforms", "Kubernetes, EKS, AWS, Linux"),
            ("Delivery", "Terraform, Helm, Argo CD, Istio, GitHub Actions, Jenkins"),
            ("Observability", "Prometheus, Grafana, OpenTelemetry, Datadog"),
            ("Languages", "Go, Python, Bash"),
            ("Practices", "Site Reliability Engineering, incident management, distributed systems"),
        ],
        certifications=["Certified Kubernetes Administrator (CKA)", "AWS Certified SysOps Administrator – Associate",
                        "HashiCorp Certified: Terraform Associate"],
        languages=["English (native)", "Spanish (professional working proficiency)"],
        layout="two_page_running_header_right_dates",
        notes=["two pages; name, phone and email repeat in a running page header (CSS margin box)",
               "'Page X of Y' footer on every page",
               "two roles under one employer heading, dates right-aligned on the title line",
               "suffix 'Jr.' after the surname, middle initial",
               "title acronym (SRE), portfolio URL without scheme"],
    ),
    # ------------------------------------------------------------------ h03
    dict(
        id="h03", tool="chromium-html", template="sidelabel", lang="de", paper="A4",
        label="Lebenslauf",
        first="Friederike", last="von Stein", name_printed="Friederike von Stein",
        headline="Embedded-Softwareentwicklerin",
        location="Köln, Deutschland",
        email="f.vonstein@example.de",
        phone="+49 (0)1512 3456789", phone_region="DE",
        linkedin_printed="linkedin.com/in/friederike-von-stein", linkedin_slug="friederike-von-stein",
        github_printed=None, github=None, portfolio=None,
        summary=("Embedded-Entwicklerin mit über acht Jahren Erfahrung in sicherheitskritischer Firmware für "
                 "Antriebe und Industriesensorik. Schwerpunkte: Echtzeitsysteme, Bootloader, CAN-Kommunikation "
                 "und saubere Testbarkeit auf dem Zielsystem."),
        date_style="de",
        roles=[
            role("Senior Embedded-Softwareentwicklerin", "Rheinauer Antriebstechnik GmbH", "2021-05", None, "Köln", [
                "Technische Verantwortung für die Firmware einer Servoumrichter-Familie auf STM32 (Cortex-M4) mit FreeRTOS.",
                "Einführung von Hardware-in-the-Loop-Tests mit Jenkins und pytest; Regressionen vor Release um 70 % reduziert.",
                "Mentoring von zwei Junior-Entwicklern und Code-Reviews für das gesamte Embedded-Team.",
            ]),
            role("Embedded-Softwareentwicklerin", "Voss & Partner Elektronik GmbH", "2017-03", "2021-04", "Düsseldorf", [
                "Entwicklung von Treibern und Protokollstacks (CAN-FD, SPI, I²C) in Embedded C für Industriesensoren.",
                "Portierung eines Gateway-Produkts auf Embedded Linux mit einem eigenen Yocto-Layer.",
                "Mitarbeit an AUTOSAR-Basissoftware für einen Kunden aus der Zulieferindustrie.",
            ]),
            role("Werkstudentin Firmware", "Sensodyn AG", "2015-10", "2017-02", "Aachen", [
                "Implementierung eines Bootloaders mit CRC-Prüfung und Update über CAN bus.",
                "Automatisierte Messreihen mit Python-Skripten ausgewertet.",
            ]),
        ],
        education=[
            edu("M.Sc.", "master", "RWTH Aachen", "Elektrotechnik, Informationstechnik und Technische Informatik", 2017, sep=" "),
            edu("B.Sc.", "bachelor", "RWTH Aachen", "Elektrotechnik", 2014, sep=" "),
        ],
        skills_section=[
            ("Sprachen", "Embedded C, C++, Python"),
            ("Systeme", "FreeRTOS, Zephyr RTOS, Embedded Linux, Yocto, ARM Cortex-M (STM32)"),
            ("Bussysteme", "CAN bus, CAN-FD, SPI, I²C, Modbus"),
            ("Werkzeuge", "Git, Jenkins, pytest, Lauterbach TRACE32"),
        ],
        certifications=["ISTQB Certified Tester Foundation Level"],
        languages=["Deutsch (Muttersprache)", "Englisch (verhandlungssicher, C1)", "Französisch (B1)"],
        layout="section_labels_left_column",
        notes=["German-language resume with 'Lebenslauf' label above the name",
               "section names in a ruled left column beside the content",
               "employer line with city right-aligned; dates as MM/YYYY – heute",
               "lower-case particle 'von' in the surname",
               "phone with (0) trunk prefix",
               "hyphenated compounds broken at line ends (e.g. 'CAN-' / 'Kommunikation', 'Cortex-' / 'M4')"],
    ),
    # ------------------------------------------------------------------ h04
    dict(
        id="h04", tool="chromium-html", template="sidebar_right", lang="fr", paper="A4",
        first="Camille", last="Le Gall", name_printed="Camille Le Gall",
        headline="Développeuse Full-Stack",
        location="Paris, France",
        email="camille.legall@example.fr",
        phone="01 99 00 27 41", phone_region="FR",
        linkedin_printed="www.linkedin.com/in/camillelegall", linkedin_slug="camillelegall",
        github_printed="github.com/clegall", github="https://github.com/clegall",
        portfolio=None,
        summary=("Développeuse full-stack passionnée par les interfaces accessibles et les API bien conçues. "
                 "Huit ans d'expérience entre start-up et PME, de la conception à la mise en production."),
        date_style="fr",
        roles=[
            role("Développeuse Full-Stack Senior", "Brocéliande Numérique SAS", "2022-09", None, "Paris", [
                "Refonte du portail client en React et TypeScript, conforme au RGAA et aux critères WCAG 2.1 AA.",
                "Conception d'une API GraphQL sur Node.js et PostgreSQL servant trois applications mobiles.",
                "Animation des rituels Scrum et accompagnement de deux alternants.",
            ]),
            role("Développeuse Full-Stack", "Atelier Kerlann SARL", "2019-01", "2022-08", "Rennes", [
                "Développement d'un back-office de gestion de stocks (Vue.js, Django, PostgreSQL).",
                "Mise en place de tests de bout en bout avec Cypress et de pipelines GitLab CI.",
                "Conteneurisation des environnements de recette avec Docker.",
            ]),
            role("Développeuse Front-End (alternance)", "Transports Armor Express S.A.", "2016-09", "2018-12", "Saint-Brieuc", [
                "Intégration HTML5/CSS3 des écrans de suivi de colis et migration vers Webpack.",
                "Écriture de tests unitaires avec Jest.",
            ]),
        ],
        education=[
            edu("Diplôme d'ingénieur", "master", "INSA Rennes", "Informatique", 2018, sep=", "),
            edu("DUT", "other", "IUT de Lannion", "Informatique", 2016, sep=" "),
        ],
        skills_section=[
            ("", "TypeScript|JavaScript|React|Vue.js|Node.js|Django|GraphQL|PostgreSQL|Docker|GitLab CI|Cypress|Jest|Figma|Git"),
        ],
        certifications=["Opquast – Maîtrise de la qualité en projet web"],
        languages=["Français (langue maternelle)", "Anglais (C1)", "Breton (notions)"],
        layout="sidebar_right_skills_grid",
        notes=["French-language resume; dates like 'janv. 2019 – aujourd'hui'",
               "two columns, sidebar on the right with contact, skills as a grid of tags, languages",
               "surname with particle 'Le'", "French domestic phone format (01 …)",
               "apprenticeship overlapping with studies"],
    ),
    # ------------------------------------------------------------------ h05
    dict(
        id="h05", tool="chromium-html", template="sidebar_left_narrow", lang="pt", paper="A4",
        label="Currículo",
        first="Ana Carolina", last="da Rocha dos Santos", name_printed="Ana Carolina da Rocha dos Santos",
        headline="Analista de Dados Sénior",
        location="Porto, Portugal",
        email="carolina.santos@example.pt",
        phone="+351 912 345 678", phone_region=None,
        linkedin_printed="linkedin.com/in/anacarolinarsantos", linkedin_slug="anacarolinarsantos",
        github_printed=None, github=None, portfolio=None,
        summary=("Analista de dados com sete anos de experiência em banca e retalho. Gosto de transformar perguntas "
                 "de negócio em métricas claras, modelos simples e painéis que as equipas realmente utilizam."),
        date_style="pt",
        roles=[
            role("Analista de Dados Sénior", "Douro Analytics, Lda.", "2022-02", None, "Porto", [
                "Responsável pelos painéis de vendas e margem em Power BI para 120 lojas de retalho alimentar.",
                "Desenvolvi modelos de previsão de procura em Python (pandas, scikit-learn) com erro médio de 8%.",
                "Coordeno campanhas de A/B testing de fidelização com a equipa de marketing.",
            ]),
            role("Analista de Dados", "Banco Ribeira S.A.", "2019-09", "2022-01", "Lisboa", [
                "Automatizei relatórios regulatórios em SQL e Excel, reduzindo o fecho mensal em três dias.",
                "Criei pipelines de dados com Apache Airflow sobre um data warehouse em PostgreSQL.",
            ]),
            role("Estagiária de Business Intelligence", "Tecnologias Invicta Lda.", "2018-10", "2019-08", "Porto", [
                "Apoio na construção de relatórios em Tableau para clientes do setor da saúde.",
                "Documentação do modelo de dados e do dicionário de métricas.",
            ]),
        ],
        education=[
            edu("Mestrado", "master", "Universidade NOVA de Lisboa", "Estatística e Gestão de Informação", 2019, sep=" em "),
            edu("Licenciatura", "bachelor", "Universidade do Porto", "Matemática", 2017, sep=" em "),
        ],
        skills_section=[
            ("", "Python"), ("", "pandas, NumPy, scikit-learn"), ("", "SQL / PostgreSQL"), ("", "Power BI, Tableau"),
            ("", "Apache Airflow"), ("", "Excel avançado"), ("", "A/B testing"),
        ],
        certifications=["Microsoft Certified: Power BI Data Analyst Associate"],
        languages=["Português (nativo)", "Inglês (C1)", "Espanhol (B2)"],
        layout="sidebar_left_narrow_wrapped_name",
        notes=["Portuguese-language resume with 'Currículo' label above the name",
               "name wrapped over two lines in a narrow left sidebar; particles 'da' and 'dos' in a two-part surname",
               "dates like 'fev/2022 – atual'", "company legal suffixes 'Lda.' and 'S.A.'"],
    ),
    # ------------------------------------------------------------------ h06
    dict(
        id="h06", tool="chromium-html", template="ats_plain", lang="en", paper="letter",
        first="Thi Thu Ha", last="Nguyen", name_printed="NGUYEN Thi Thu Ha",
        variants=[dict(first_name="Thu Ha", last_name="Nguyen")],
        headline="Backend Software Engineer",
        location="Melbourne, VIC, Australia",
        email="thuha.nguyen@example.com",
        phone="0491 570 156", phone_region="AU",
        linkedin_printed="linkedin.com/in/nguyenthithuha", linkedin_slug="nguyenthithuha",
        github_printed="github.com/thuha-ng", github="https://github.com/thuha-ng",
        portfolio=None,
        summary=("Backend engineer with nine years of experience in payments and freight software. Strong in Java "
                 "and Spring Boot services, event-driven design with Kafka, and pragmatic testing."),
        date_style="mmyyyy_dash",
        roles=[
            role("Senior Software Engineer", "Wattle Payments Pty Ltd", "2022-03", None, "Melbourne, VIC", [
                "Designed the card-settlement service in Java 17 and Spring Boot processing 4M transactions a day.",
                "Introduced contract testing between 11 microservices, reducing integration defects by 40%.",
                "Tech Lead for a squad of five engineers; run the quarterly architecture review.",
            ]),
            role("Software Engineer", "Southern Cross Freight Pty Ltd", "2019-03", "2022-02", "Melbourne, VIC", [
                "Built REST APIs for consignment tracking used by 300 enterprise customers.",
                "Moved batch jobs from cron to Apache Kafka consumers; data freshness improved from hours to seconds.",
                "Maintained PostgreSQL and Redis clusters on AWS.",
            ]),
            role("Junior Developer", "Yarra Digital Agency", "2017-01", "2019-02", "Richmond, VIC", [
                "Developed PHP and Laravel sites for local government clients.",
                "Wrote integration tests with JUnit for the agency's Java booking engine.",
            ]),
        ],
        education=[
            edu("Bachelor of Computer Science", "bachelor", "Monash University", None, 2016),
        ],
        skills_section=[
            ("", "Java, Kotlin, Spring Boot, Apache Kafka, PostgreSQL, Redis, AWS, Docker, Kubernetes, JUnit, Git, REST APIs, microservices"),
        ],
        certifications=["Oracle Certified Professional: Java SE 17 Developer"],
        languages=["English (fluent)", "Vietnamese (native)"],
        layout="ats_plain_company_first",
        notes=["plain ATS-style text, all-caps headings, no styling",
               "Vietnamese name printed family-name first with the family name in capitals, no native script",
               "company-first entries (company line, then title and dates)", "MM/YYYY - MM/YYYY dates",
               "Australian domestic mobile format"],
    ),
    # ------------------------------------------------------------------ h07
    dict(
        id="h07", tool="chromium-html", template="stacked", lang="en", paper="A4",
        first="Yuxuan", last="Liu", name_printed="LIU Yuxuan", name_native="刘雨萱",
        headline="Machine Learning Engineer",
        location="Shanghai, China",
        email="yuxuan.liu@example.com",
        phone="+86 138 1234 5678", phone_region=None,
        linkedin_printed="linkedin.com/in/liuyuxuan-ml", linkedin_slug="liuyuxuan-ml",
        github_printed="github.com/yxliu", github="https://github.com/yxliu",
        portfolio=None,
        summary=("Machine learning engineer focused on NLP and retrieval systems. Seven years across research and "
                 "production: from fine-tuning large language models to serving them reliably at scale."),
        date_style="iso_arrow",
        roles=[
            role("Machine Learning Engineer", "Huangpu Intelligence Co., Ltd.", "2021-08", None, "Shanghai", [
                "Built the retrieval-augmented LLM assistant used by 2,000 customer-service agents.",
                "Fine-tuned Chinese–English models with PyTorch and Hugging Face Transformers; latency cut 45% via quantisation.",
                "Set up MLflow tracking and Kubernetes-based model serving with canary releases.",
            ]),
            role("Data Scientist", "Lujiazui Quant Technologies Ltd", "2019-03", "2021-07", "Shanghai", [
                "Trained XGBoost and deep learning models for credit-risk scoring on 20M loan records.",
                "Wrote PySpark feature pipelines running nightly on a Hadoop cluster.",
            ]),
            role("Research Assistant", "Tongji University", "2017-09", "2019-02", "Shanghai", [
                "Published two workshop papers on Chinese named-entity recognition.",
                "Maintained the lab's GPU cluster and shared Docker images.",
            ]),
        ],
        education=[
            edu("M.Eng.", "master", "Tongji University", "Computer Science and Technology", 2019),
            edu("B.Eng.", "bachelor", "East China Normal University", "Software Engineering", 2017),
        ],
        skills_section=[
            ("ML", "PyTorch, TensorFlow, Hugging Face, XGBoost, scikit-learn, NLP, LLMs"),
            ("Data & Infra", "Python, SQL, PySpark, Docker, Kubernetes, MLflow"),
        ],
        certifications=[],
        languages=["Mandarin Chinese (native)", "English (fluent, IELTS 7.5)"],
        layout="stacked_title_company_dates",
        notes=["Chinese name family-name first with native script beside the Latin",
               "title, company and dates stacked on three lines", "ISO dates with an arrow ('2019-03 → 2021-07', '→ present')",
               "research assistantship counts as experience"],
    ),
    # ------------------------------------------------------------------ h08
    dict(
        id="h08", tool="chromium-html", template="table_es", lang="es", paper="A4",
        label="CV",
        first="Javier", last="Alonso de la Cruz", name_printed="Javier Alonso de la Cruz",
        headline="Ingeniero DevOps",
        location="Madrid, España",
        email="javier.alonso.delacruz@example.es",
        phone="(+34) 612 345 678", phone_region=None,
        linkedin_printed="linkedin.com/in/javieralonsodlc", linkedin_slug="javieralonsodlc",
        github_printed="github.com/jalonsodlc", github="https://github.com/jalonsodlc",
        portfolio=None,
        summary=("Ingeniero DevOps con más de doce años en sistemas. Automatizo infraestructura en la nube, "
                 "monitorización y despliegues para que los equipos de desarrollo entreguen con confianza."),
        date_style="es",
        roles=[
            role("Ingeniero DevOps Senior", "Meseta Cloud Services S.L.", "2020-01", None, "Madrid", [
                "Diseño y operación de clústeres Kubernetes en AWS para 25 aplicaciones de clientes.",
                "Infraestructura como código con Terraform y Ansible; tiempo de alta de entornos de días a minutos.",
                "Pipelines de GitLab CI con escaneo de imágenes y despliegues automáticos.",
            ]),
            role("Administrador de Sistemas", "Ibérica de Seguros S.A.", "2016-03", "2019-12", "Madrid", [
                "Administración de 400 servidores Linux y migración de la monitorización a Prometheus y Grafana.",
                "Automatización de tareas con Bash y Python; integración con Jenkins.",
            ]),
            role("Técnico de Soporte", "Castellana Informática S.L.", "2014-09", "2016-02", "Alcobendas", [
                "Soporte de segundo nivel a clientes corporativos y gestión de incidencias.",
            ]),
        ],
        education=[
            edu("Grado", "bachelor", "Universidad Politécnica de Madrid", "Ingeniería de Computadores", 2014, sep=" en "),
        ],
        skills_section=[
            ("Cloud", "AWS, Kubernetes, Terraform, Ansible"),
            ("CI/CD", "GitLab CI, Jenkins, Argo CD"),
            ("Sistemas", "Linux, Bash, Python, Nginx"),
            ("Observabilidad", "Prometheus, Grafana"),
        ],
        certifications=["Certified Kubernetes Administrator (CKA)", "AWS Certified Solutions Architect – Associate"],
        languages=["Español (nativo)", "Inglés (B2)"],
        layout="experience_table_with_header_row",
        notes=["Spanish-language resume; 'CV' label glued to the name on the same line",
               "experience as a table whose column-header row (Periodo / Puesto / Empresa / Ciudad) precedes the entries",
               "two surnames, the second with particle 'de la'", "dates like 'ene. 2020 – actualidad'",
               "phone with country code in parentheses"],
    ),
]
