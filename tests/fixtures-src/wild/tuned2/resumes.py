"""Single data description of the tuned2 wild resume fixtures (t19…t30).

Every document (PDF via the ReportLab canvas, DOCX via python-docx) and every ground-truth JSON is rendered from
these dicts by generate.py. All people, employers, addresses, e-mails and phone numbers are fictitious.

Keys are those of ../tuned/resumes.py: id, fmt (pdf|docx), layout (renderer), layout_name (ground-truth 'layout'),
lang, page (A4|letter), pages, name{printed, first, last, native?, native_printed?, variants?}, label?, headline,
location, email, phone, phone_region? (national format), linkedin/github/portfolio (as printed), summary,
dates (date style), exp[{title, company, city?, start, end (None = current), bullets, dates?}],
edu[{degree, field, join?, line?, inst, year, level, expected?}], skills_section[(label, text)], skills (canonical,
checked against the rendered text), certs, langs, opts (layout options), notes.

tuned2 additions: opts['order'] (content-stream order policy, see pdfdraw.py), opts['splits'] (x positions where
the page is cut into regions when the generator reads the text back from character positions), claims (layout
properties the generator verifies on the PDF: 'name_not_first', 'stream_not_reading_order', 'name_min_pt').
Year-only dates (kind 'year') are given as YYYY-01 for a start and YYYY-12 for an end.
"""

EN_MON = dict(kind='mon', months='en', sep=' – ', present='Present')
A4_W = 595.2756

RESUMES = [
    # ------------------------------------------------------------------ t19
    dict(
        id='t19', fmt='pdf', layout='two_col', layout_name='sidebar_left_drawn_last', lang='en', pages=1,
        opts=dict(side='left', side_w=0.32, name_in='side', edu_in_side=True, entry='title_dates_company_city',
                  heading='spaced', order=dict(kind='columns', cols=['main', 'side']), side_bg='#23395b',
                  side_fg='#f3f5f8', accent='#23395b', name_size=25),
        claims=dict(name_not_first=True, stream_not_reading_order=True, name_min_pt=20),
        name=dict(printed='Kovács Eszter', first='Eszter', last='Kovács'),
        headline='Senior Data Engineer', location='Budapest, Hungary',
        email='eszter.kovacs@example.hu', phone='+36 30 412 7789',
        linkedin='linkedin.com/in/eszter-kovacs-data',
        contact_order=['location', 'phone', 'email', 'linkedin'],
        summary=('Data engineer with ten years in logistics, telecoms and hospitality. I build batch and streaming '
                 'pipelines that analysts can trust, keep data modeling documented, and like turning slow nightly '
                 'jobs into fast, tested ones.'),
        dates=EN_MON,
        exp=[
            dict(title='Senior Data Engineer', company='Pannon Freight Kft.', city='Budapest', start='2021-09',
                 end=None, bullets=[
                     'Own the freight-pricing lakehouse on Databricks, fed by Kafka topics (30M events a day).',
                     'Rewrote nightly ETL jobs from SSIS to PySpark; runtime down from five hours to 40 minutes.',
                     'Orchestration in Airflow with data-quality checks on every DAG.',
                     'Mentoring two junior engineers through their first on-call rotation.']),
            dict(title='Data Engineer', company='Tisza Telekom Zrt.', city='Szeged', start='2019-03',
                 end='2021-08', bullets=[
                     'Built the customer-360 model in Snowflake with dbt (420 models, 95% test coverage).',
                     'Python ingestion services for billing exports, containerised with Docker.',
                     'Tableau dashboards for the churn and retention team.']),
            dict(title='BI Developer', company='Balaton Software Kft.', city='Veszprém', start='2016-07',
                 end='2019-02', bullets=[
                     'T-SQL stored procedures and monthly reports for three hotel chains.',
                     'Replaced spreadsheet forecasting in Excel with a PostgreSQL data mart.']),
        ],
        edu=[dict(degree='MSc', field='Business Informatics', join=' in ', inst='Corvinus University of Budapest',
                  year=2016, level='master'),
             dict(degree='BSc', field='Engineering Informatics', join=' in ', inst='University of Pannonia',
                  year=2014, level='bachelor')],
        skills_section=[('Data', 'Apache Spark, Kafka, Airflow, dbt, Snowflake, Databricks'),
                        ('Languages', 'Python, SQL'),
                        ('Tools', 'Docker, Git, Tableau, Power BI')],
        skills=['Apache Spark', 'Apache Kafka', 'Apache Airflow', 'dbt', 'Snowflake', 'Databricks', 'Python', 'SQL',
                'Docker', 'Git', 'Tableau', 'Power BI', 'ETL', 'Excel', 'PostgreSQL', 'Mentoring',
                'Incident Management', 'Data Modeling'],
        certs=['Databricks Certified Data Engineer Associate'],
        langs=['Hungarian (native)', 'English (C1)', 'German (B1)'],
        notes=['two columns, left sidebar (32%) holding the name, contact, skills, languages and education; the main '
               'column is drawn FIRST and the sidebar with the name LAST in the content stream',
               "Hungarian family-name-first order without capitals ('Kovács Eszter'); e-mail eszter.kovacs shows the "
               'split', "letter-spaced capital headings; title line with right-aligned 'Mon YYYY – Present' dates "
               '(drawRightString); company line with the city right-aligned (city not part of the company)',
               'legal suffixes Kft. and Zrt.'],
    ),
    # ------------------------------------------------------------------ t20
    dict(
        id='t20', fmt='pdf', layout='two_col', layout_name='sidebar_right_lines_by_y', lang='en', pages=1,
        opts=dict(side='right', side_w=0.30, name_in='main', edu_in_side=True, entry='title_dates_company_city',
                  heading='bold', order='y_down', side_bg='#f1ede4', side_fg='#222222', accent='#9c2f2f',
                  name_size=23, cjk_name=True, side_lift=8),
        claims=dict(name_not_first=True, stream_not_reading_order=True, name_min_pt=20),
        name=dict(printed='Taro Yamada', first='Taro', last='Yamada', native='山田 太郎', native_printed='山田 太郎'),
        headline='iOS Engineer', location='Tokyo, Japan',
        email='taro.yamada@example.jp', phone='+81 80-1234-5678',
        github='github.com/tyamada-ios',
        contact_order=['location', 'phone', 'email', 'github'],
        summary=('iOS engineer with eleven years on consumer apps in mobility and retail. I write Swift every day, '
                 'care about accessibility and launch time, and enjoy pairing with designers on small details.'),
        dates=dict(kind='dot', sep=' – ', present='Present'),
        exp=[
            dict(title='iOS Engineer', company='Kanda Mobile K.K.', city='Tokyo', start='2020-10', end=None, bullets=[
                'Lead developer of the ride-sharing app in SwiftUI (1.8M monthly users).',
                'Replaced a hand-written networking layer with a GraphQL client and an offline cache.',
                'Accessibility audit: VoiceOver labels and Dynamic Type on every screen.']),
            dict(title='iOS Engineer', company='Meguro Commerce Co., Ltd.', city='Tokyo', start='2017-04',
                 end='2020-09', bullets=[
                     'Checkout flow in Objective-C, migrated screen by screen to Swift.',
                     'Set up Firebase Crashlytics and fastlane for nightly TestFlight builds.']),
            dict(title='Mobile Developer (contract)', company='Aoba Studio G.K.', city='Sendai', start='2015-04',
                 end='2017-03', bullets=['Android and iPhone apps for regional retailers and a ferry company.']),
        ],
        edu=[dict(degree='B.Eng.', field='Information Engineering', join=' in ', inst='Tohoku University', year=2015,
                  level='bachelor')],
        skills_section=[('', 'Swift, SwiftUI, Objective-C, UIKit, Combine, GraphQL, Firebase, Git, CI/CD')],
        skills=['Swift', 'Objective-C', 'GraphQL', 'Firebase', 'Git', 'CI/CD', 'Accessibility', 'iOS', 'Android'],
        langs=['Japanese (native)', 'English (TOEIC 870)'],
        notes=['two columns, RIGHT sidebar (30%); every line of the page is drawn sorted by its y position across '
               'both columns, so sidebar and main lines interleave in the content stream and a sidebar line comes '
               'before the name', "Japanese name in kanji beside the Latin name ('山田 太郎 / Taro Yamada'); the "
               'kanji are in an embedded subset TrueType font (Noto Sans CJK JP converted to glyf outlines)',
               "title starting lower case ('iOS Engineer', also the headline) repeated for two employers",
               "'YYYY.MM – YYYY.MM' dates right-aligned on the title line; legal suffixes K.K., Co., Ltd., G.K. with "
               'the city right-aligned'],
    ),
    # ------------------------------------------------------------------ t21
    dict(
        id='t21', fmt='pdf', layout='two_col', layout_name='sidebar_left_words_shuffled', lang='en', pages=1,
        opts=dict(side='left', side_w=0.30, name_in='side', edu_in_side=False, entry='stacked', heading='smallcaps',
                  order='words', seed=21, side_bg='#e8f0ec', side_fg='#1d2b24', accent='#1f6f50', name_size=22),
        claims=dict(name_not_first=True, stream_not_reading_order=True, name_min_pt=20),
        name=dict(printed='CHOI Seo-yeon', first='Seo-yeon', last='Choi',
                  variants=[{'first_name': 'Seoyeon', 'last_name': 'Choi'}]),
        headline='QA Lead', location='Seoul, South Korea',
        email='seoyeon.choi@example.kr', phone='+82 10-4821-3375',
        linkedin='linkedin.com/in/choi-seoyeon-qa',
        contact_order=['phone', 'email', 'linkedin', 'location'],
        summary=('QA lead with ten years in payments and games. I build test automation that developers run before '
                 'they push, and keep exploratory testing for the risky parts.'),
        dates=dict(kind='iso', sep=' → ', present='present'),
        exp=[
            dict(title='QA Lead', company='Hanbit Payments Co., Ltd.', city='Seoul', start='2021-08', end=None,
                 bullets=['Lead five QA engineers across three Scrum teams.',
                          'Built the Playwright suite (900 tests) in TypeScript, run in GitHub Actions on every '
                          'pull request.',
                          'Introduced load testing with k6 before each release.']),
            dict(title='Senior QA Engineer', company='Jamsil Games Corp.', city='Seoul', start='2018-02',
                 end='2021-07', bullets=['Test automation for game servers with pytest.',
                                         'REST API tests in Postman; defects triaged in Jira.']),
            dict(title='QA Engineer', company='Pangyo Soft Inc.', city='Seongnam', start='2016-03', end='2018-01',
                 bullets=['Manual and Selenium tests for the web shop and its admin pages.']),
        ],
        edu=[dict(degree='B.S.', field='Computer Science', join=' in ', inst='Korea University', year=2016,
                  level='bachelor')],
        skills_section=[('', 'Playwright, Selenium, pytest, Postman, k6, Jira, Python, TypeScript, SQL')],
        skills=['Playwright', 'Selenium', 'pytest', 'Postman', 'Performance Testing', 'Jira', 'Python', 'TypeScript',
                'SQL', 'Scrum', 'GitHub Actions', 'Test Automation', 'REST APIs'],
        certs=['ISTQB Certified Tester Advanced Level Test Manager'],
        langs=['Korean (native)', 'English (fluent)'],
        notes=['two columns, left sidebar (30%) with the name, contact, skills, languages and certification; '
               'every line is drawn as one drawString call per word and all word calls of the page are shuffled, '
               'so the content stream has no usable order at all', "Korean family-name-first order with the "
               "family name in capitals ('CHOI Seo-yeon'), hyphenated given name", "acronym title 'QA Lead' (also "
               "the headline)", "ISO dates with an arrow ('2018-02 → 2021-07', '→ present'); small-caps headings"],
    ),
    # ------------------------------------------------------------------ t22
    dict(
        id='t22', fmt='pdf', layout='two_col', layout_name='sidebar_right_bottom_up_grouped_roles', lang='en',
        pages=1,
        opts=dict(side='right', side_w=0.33, name_in='main', edu_in_side=True, entry='grouped', heading='bold_rule',
                  order='y_up', side_bg='#fff4e0', side_fg='#2b2b2b', accent='#b3541e', name_size=24),
        claims=dict(name_not_first=True, stream_not_reading_order=True, name_min_pt=20),
        name=dict(printed='Sanne van der Berg', first='Sanne', last='van der Berg'),
        headline='Senior Site Reliability Engineer', location='Utrecht, the Netherlands',
        email='sanne.vanderberg@example.nl', phone='+31 6 2345 6789',
        github='github.com/svdberg-sre', linkedin='linkedin.com/in/sannevanderberg',
        contact_order=['email', 'phone', 'location', 'linkedin', 'github'],
        summary=('Reliability engineer with twelve years in hosting and SaaS. I run Kubernetes platforms with clear '
                 'SLOs, write the boring automation that keeps them that way, and coach teams through incidents.'),
        dates=dict(kind='num', sep=' - ', present='Present'),
        exp=[
            dict(title='Senior SRE', company='Polderdata B.V.', city='Utrecht', start='2022-10', end=None, bullets=[
                'Platform owner for 60 services on EKS; error budgets agreed with every product team.',
                'Prometheus and Grafana dashboards with alert rules reviewed weekly.']),
            dict(title='Platform Engineer', company='Polderdata B.V.', city='Utrecht', start='2021-08',
                 end='2022-09', bullets=['Moved all deployments to Helm charts delivered by Argo CD.',
                                         'Terraform modules for AWS accounts, networks and databases.']),
            dict(title='SRE', company='Polderdata B.V.', city='Utrecht', start='2019-03', end='2021-07', bullets=[
                'Wrote the incident process and the postmortems template; on-call for the hosting platform.',
                'Small Go tools for capacity reports.']),
            dict(title='Linux Systems Engineer', company='Dijkstra Hosting N.V.', city='Amsterdam', start='2014-09',
                 end='2019-02', bullets=['Fleet of 900 hosts managed with Ansible and Bash scripts.',
                                         'Python tooling for backups and DNS changes.']),
        ],
        edu=[dict(degree='BSc', field='Informatica', join=' ', inst='Hogeschool Utrecht', year=2014,
                  level='bachelor')],
        skills_section=[('Platform', 'Kubernetes, Helm, Argo CD, Terraform, AWS'),
                        ('Observability', 'Prometheus, Grafana'),
                        ('Code', 'Go, Python, Bash'),
                        ('Systems', 'Linux, Ansible')],
        skills=['Kubernetes', 'Helm', 'Argo CD', 'Terraform', 'AWS', 'Prometheus', 'Grafana', 'Go', 'Python', 'Bash',
                'Linux', 'Ansible', 'Site Reliability Engineering', 'Incident Management'],
        langs=['Dutch (native)', 'English (fluent)', 'German (basic)'],
        notes=['two columns, RIGHT sidebar (33%); every line of the page is drawn sorted by y from the BOTTOM up, '
               'so the content stream is in reverse reading order and the name comes near the end',
               'company line first (employer left, city right-aligned) then three roles with their own '
               "right-aligned 'MM/YYYY - MM/YYYY' dates", "acronym titles 'Senior SRE' and 'SRE'",
               "Dutch surname particle 'van der' in lower case; legal suffixes B.V. and N.V."],
    ),
    # ------------------------------------------------------------------ t23
    dict(
        id='t23', fmt='pdf', layout='single', layout_name='title_company_city_wrapped', lang='es', pages=1,
        opts=dict(entry='title_company_wrapped', heading='smallcaps', header='contact_first', font='DejaVu',
                  accent='#7b1e3a', title_w=290, name_size=22),
        claims=dict(name_not_first=True, name_min_pt=20),
        name=dict(printed='María del Carmen Ruiz Soto', first='María del Carmen', last='Ruiz Soto'),
        headline='Ingeniera de Datos Sénior', location='Sevilla, España',
        email='mcarmen.ruizsoto@example.es', phone='+34 655 123 987',
        linkedin='linkedin.com/in/mcarmen-ruiz-soto',
        contact_order=['location', 'phone', 'email', 'linkedin'],
        summary=('Ingeniera de datos con más de diez años de experiencia en energía y consultoría. Diseño '
                 'plataformas de datos en la nube, automatizo procesos de ingesta y acompaño a los equipos de '
                 'negocio en el uso de sus datos.'),
        dates=dict(kind='mon', months='es', sep=' – ', present='actualidad'),
        exp=[
            dict(title='Ingeniera de Datos Sénior', company='Guadalquivir Energía Renovable S.A.', city='Sevilla',
                 start='2021-01', end=None, bullets=[
                     'Diseño de la plataforma de datos en Azure con Databricks y Delta Lake.',
                     'Pipelines de ingesta con Airflow y Python para 4.000 aerogeneradores.',
                     'Formación y mentoring de cuatro ingenieras júnior.']),
            dict(title='Ingeniera de Datos', company='Triana Analítica S.L.', city='Sevilla', start='2018-01',
                 end='2020-12', bullets=['Procesos ETL en SQL Server y Python.',
                                         'Cuadros de mando en Power BI para clientes del sector retail.']),
            dict(title='Analista Programadora', company='Consultora Giralda Sistemas de Información S.A.',
                 city='Dos Hermanas', start='2015-09', end='2017-12', bullets=[
                     'Desarrollo de informes en Java y PL/SQL sobre Oracle.']),
        ],
        edu=[dict(degree='Máster Universitario', field='Ciencia de Datos', join=' en ', inst='Universidad de Sevilla',
                  year=2019, level='master'),
             dict(degree='Grado', field='Ingeniería Informática', join=' en ', inst='Universidad de Sevilla',
                  year=2015, level='bachelor')],
        skills_section=[('Lenguajes', 'Python, SQL, Java'),
                        ('Datos', 'Databricks, Apache Spark, Airflow, Power BI'),
                        ('Nube', 'Azure, Docker, Git')],
        skills=['Python', 'SQL', 'Java', 'Databricks', 'Apache Spark', 'Apache Airflow', 'Power BI', 'Azure',
                'Docker', 'Git', 'ETL', 'Mentoring'],
        certs=['Microsoft Certified: Azure Data Engineer Associate'],
        langs=['Español (nativo)', 'Inglés (C1)', 'Francés (B1)'],
        notes=['Spanish-language CV, single column; the right-aligned contact block is drawn before the name',
               "entry header 'Título — Empresa, Ciudad' wraps over two lines, dates right-aligned on the first line",
               "two given names with particle and two surnames ('María del Carmen Ruiz Soto')",
               "Spanish month abbreviations 'ene. 2018 – dic. 2020', 'actualidad'; small-caps headings",
               'legal suffixes S.A. and S.L.'],
    ),
    # ------------------------------------------------------------------ t24
    dict(
        id='t24', fmt='pdf', layout='label_col', layout_name='section_labels_left_rule_year_dates', lang='en',
        pages=1, opts=dict(label_w=92, accent='#0f5e6b'),
        claims=dict(name_min_pt=20),
        name=dict(printed='Cathal Ó Súilleabháin', first='Cathal', last='Ó Súilleabháin',
                  variants=[{'first_name': 'Cathal', 'last_name': 'O Suilleabhain'}]),
        headline='Senior Software Engineer', location='Cork, Ireland',
        email='cathal.osuilleabhain@example.ie', phone='087 123 4567', phone_region='IE',
        linkedin='linkedin.com/in/cathal-o-suilleabhain',
        contact_order=['location', 'phone', 'email', 'linkedin'],
        summary=('Backend engineer with eleven years in payments and analytics. I design services in Java and '
                 'Kotlin, care about clear APIs and boring deployments, and enjoy mentoring graduates.'),
        dates=dict(kind='year', sep=' – ', present='Present'),
        exp=[
            dict(title='Senior Software Engineer', company='Lee Valley Analytics DAC', city='Cork', start='2021-01',
                 end=None, bullets=[
                     'Tech Lead for the reporting services: Kotlin, Spring Boot and PostgreSQL on AWS.',
                     'Split the reporting monolith into six microservices talking over Kafka.',
                     'Mentoring three graduate engineers.']),
            dict(title='Software Engineer', company='Shandon Payments Ltd', city='Cork', start='2017-01',
                 end='2021-12', bullets=['Card-authorisation REST APIs in Java.',
                                         'Docker images and Kubernetes deployments for twelve services.']),
            dict(title='Graduate Developer', company='Blarney Web Services Ltd', city='Blarney', start='2015-01',
                 end='2017-12', bullets=['Internal tools in Java and JavaScript.']),
        ],
        edu=[dict(degree='BSc', field='Computer Science', join=' in ', inst='University College Cork', year=2015,
                  level='bachelor')],
        skills_section=[('Languages', 'Java, Kotlin, JavaScript, SQL'),
                        ('Backend', 'Spring Boot, PostgreSQL, Apache Kafka'),
                        ('Delivery', 'AWS, Docker, Kubernetes, Git')],
        skills=['Java', 'Kotlin', 'JavaScript', 'SQL', 'Spring Boot', 'PostgreSQL', 'Apache Kafka', 'AWS', 'Docker',
                'Kubernetes', 'Git', 'Microservices', 'REST APIs', 'Mentoring', 'Technical Leadership'],
        langs=['English (native)', 'Irish (fluent)', 'French (A2)'],
        notes=['section labels in a narrow left column with a vertical rule; each label sits on the same baseline '
               'as the first content line of its section', "year-only dates ('2017 – 2021', '2021 – Present') "
               'right-aligned on the title line; ground truth takes January for a start year and December for an '
               'end year, so back-to-back years overlap', "Irish surname particle 'Ó' with fadas "
               "('Cathal Ó Súilleabháin')", 'Irish domestic mobile format (087 …); Irish legal suffix DAC'],
    ),
    # ------------------------------------------------------------------ t25
    dict(
        id='t25', fmt='pdf', layout='date_col', layout_name='lebenslauf_date_column_left', lang='de', pages=1,
        opts=dict(date_w=100, accent='#2f4f2f'),
        claims=dict(name_not_first=True, name_min_pt=20),
        label='Lebenslauf',
        name=dict(printed='Matthias Großmann', first='Matthias', last='Großmann',
                  variants=[{'first_name': 'Matthias', 'last_name': 'Grossmann'}]),
        headline='Senior Backend-Entwickler', location='Köln',
        email='matthias.grossmann@example.de', phone='+49 1520 1234567',
        github='github.com/mgrossmann-dev',
        contact_order=['location', 'phone', 'email', 'github'],
        summary=('Backend-Entwickler mit zwölf Jahren Erfahrung in Energiewirtschaft und Versicherungen. Ich '
                 'entwerfe robuste Dienste, schreibe Tests zuerst und übernehme gern Verantwortung im Betrieb.'),
        dates=dict(kind='mon', months='de', sep=' – ', present='heute'),
        exp=[
            dict(title='Senior Backend-Entwickler', company='Rheinwerk Analytics GmbH', city='Köln', start='2020-03',
                 end=None, bullets=['Microservices in Go und Kotlin für die Energiedatenplattform.',
                                    'Event-Streaming mit Apache Kafka, Datenhaltung in PostgreSQL.',
                                    'Einführung von OpenTelemetry und Grafana für alle Dienste.']),
            dict(title='Backend-Entwickler', company='Domblick Versicherungssoftware AG', city='Köln',
                 start='2016-09', end='2020-02', bullets=['REST-Schnittstellen in Java mit Spring Boot.',
                                                          'Deployments mit Docker und Jenkins.']),
            dict(title='Werkstudent Softwareentwicklung', company='Siebengebirge IT GmbH', city='Bonn',
                 start='2014-04', end='2016-08', bullets=['Webanwendungen mit PHP und MySQL.']),
        ],
        edu=[dict(degree='M.Sc.', field='Informatik', join=' ', inst='Rheinische Friedrich-Wilhelms-Universität Bonn',
                  year=2016, level='master'),
             dict(degree='B.Sc.', field='Informatik', join=' ', inst='Hochschule Bonn-Rhein-Sieg', year=2014,
                  level='bachelor')],
        skills_section=[('Sprachen', 'Go, Kotlin, Java, SQL'),
                        ('Plattform', 'Apache Kafka, PostgreSQL, Docker, Kubernetes'),
                        ('Werkzeuge', 'Git, Jenkins, Grafana')],
        skills=['Go', 'Kotlin', 'Java', 'SQL', 'Apache Kafka', 'PostgreSQL', 'Docker', 'Kubernetes', 'Git', 'Jenkins',
                'Grafana', 'Microservices', 'OpenTelemetry', 'Spring Boot', 'REST APIs', 'PHP', 'MySQL'],
        certs=['Certified Kubernetes Application Developer (CKAD)'],
        langs=['Deutsch (Muttersprache)', 'Englisch (C1)', 'Niederländisch (B1)'],
        notes=["German CV with a 'Lebenslauf' title above the name (drawn first)", 'dates in a left margin column '
               "beside each entry ('März 2020 – heute', 'Sept. 2016 – Feb. 2020')", 'company line with the city '
               'right-aligned (city not part of the company); legal suffixes GmbH and AG', "ß in the surname "
               "(Großmann; e-mail grossmann)"],
    ),
    # ------------------------------------------------------------------ t26
    dict(
        id='t26', fmt='pdf', layout='running', layout_name='two_pages_running_header_drawn_last', lang='en',
        pages=2, page='letter', opts=dict(accent='#1c3d6e', break_before_role=4),
        claims=dict(name_min_pt=20),
        name=dict(printed='Robert Hale III', first='Robert', last='Hale',
                  variants=[{'first_name': 'Robert', 'last_name': 'Hale III'}]),
        headline='Staff Site Reliability Engineer', location='Denver, CO',
        email='robert.hale@example.com', phone='(303) 555-0164', phone_region='US',
        linkedin='linkedin.com/in/roberthale3',
        contact_order=['location', 'phone', 'email', 'linkedin'],
        summary=('Site reliability engineer with fifteen years in healthcare, data and cloud hosting. I build '
                 'platforms that product teams can use without a ticket, measure them with SLOs, and run incident '
                 'reviews that end with fewer incidents. Comfortable as a tech lead for teams of up to eight.'),
        dates=dict(kind='mon', months='en_long', sep=' – ', present='Present'),
        exp=[
            dict(title='Staff SRE', company='Front Range Cloud, Inc.', city='Denver, CO', start='2021-05', end=None,
                 bullets=[
                     'Tech Lead of the reliability group (8 engineers) for a hosting platform of 4,000 customers.',
                     'Defined SLOs for 30 customer-facing services; error budgets are part of quarterly planning.',
                     'Migrated 220 services from hand-built VMs to Kubernetes (EKS) with Helm and Argo CD.',
                     'Rolled out OpenTelemetry and Datadog; mean time to recovery from 64 to 18 minutes.',
                     'Runs the weekly incident review and the on-call training for new engineers.',
                     'Terraform module library used by every product team (190 modules).']),
            dict(title='Senior Systems Engineer', company='Mile High Health Systems LLC', city='Aurora, CO',
                 start='2017-08', end='2021-04', bullets=[
                     'Ran the HIPAA-scoped hosting for the patient portal: 300 Linux hosts, PostgreSQL clusters.',
                     'Introduced Ansible for configuration management; drift incidents down 80%.',
                     'Built the first CI/CD pipeline with Jenkins for the portal and its APIs.',
                     'Capacity planning with Python scripts and Prometheus metrics.',
                     'Led the data-center exit to AWS for 40 applications, including two PostgreSQL clusters moved '
                     'with less than five minutes of downtime each.',
                     'Wrote the disaster-recovery plan and ran the yearly recovery test with the compliance team.',
                     'On-call lead for the portal during open enrollment, the busiest six weeks of the year.']),
            dict(title='Systems Engineer', company='Cherry Creek Data Corp.', city='Denver, CO', start='2013-06',
                 end='2017-07', bullets=[
                     'VMware and Linux administration for a 600-VM private cloud.',
                     'Nginx load balancers and certificate automation.',
                     'Bash and Python tooling for backups and patching.',
                     'Wrote runbooks for the 24/7 operations desk.',
                     'Replaced tape backups with disk-based backups and monthly restore drills.',
                     'Storage and network capacity reports for the quarterly budget review.']),
            dict(title='IT Support Specialist', company='Platte River Community College', city='Denver, CO',
                 start='2010-09', end='2013-05', bullets=[
                     'Help desk and lab support for 3,000 students; imaged 400 workstations a semester.',
                     'Automated account provisioning with PowerShell.']),
            dict(title='Computer Lab Assistant (student job)', company='Colorado State University',
                 city='Fort Collins, CO', start='2008-09', end='2010-05', bullets=[
                     'Evening shifts in the engineering computer labs: printers, accounts, Linux workstations.']),
        ],
        extra=[('Selected Projects', [
            'Game days: quarterly failure-injection exercises in staging and, since 2024, in production.',
            'Open source: maintainer of a small Prometheus exporter for hospital paging systems.',
            'Internal reliability handbook (90 pages) used for onboarding every platform engineer.'])],
        edu=[dict(degree='B.S.', field='Computer Information Systems', join=' in ', inst='Colorado State University',
                  year=2010, level='bachelor')],
        skills_section=[('Platforms', 'Kubernetes, Helm, Argo CD, Linux, Nginx'),
                        ('Cloud & IaC', 'AWS, Terraform, Ansible'),
                        ('Observability', 'Prometheus, Datadog, OpenTelemetry'),
                        ('Code', 'Python, Go, Bash'),
                        ('Practices', 'SLOs, incident management, capacity planning')],
        skills=['Kubernetes', 'Helm', 'Argo CD', 'Linux', 'Nginx', 'AWS', 'Terraform', 'Ansible', 'Prometheus',
                'Datadog', 'OpenTelemetry', 'Python', 'Go', 'Bash', 'Site Reliability Engineering',
                'Incident Management', 'Technical Leadership', 'CI/CD', 'Jenkins', 'PostgreSQL'],
        certs=['Certified Kubernetes Administrator (CKA)', 'AWS Certified SysOps Administrator – Associate'],
        langs=['English (native)', 'Spanish (conversational)'],
        notes=['two pages, US Letter; running header (name, e-mail, Page N of 2) on both pages, drawn at the END of '
               "each page's content stream", "suffix 'III' after the family name",
               "acronym title 'Staff SRE'; long month names with right-aligned dates",
               'the last role starts page 2 under the running header; the same university is employer (student '
               'job) and school',
               "'Title — Company' bold line, city on the right of the line below"],
    ),
    # ------------------------------------------------------------------ t27
    dict(
        id='t27', fmt='pdf', layout='two_col', layout_name='sidebar_left_header_drawn_last', lang='fr', pages=1,
        opts=dict(side='left', side_w=0.28, name_in='main', edu_in_side=False, entry='title_dates_company_city',
                  heading='spaced', order=dict(kind='columns', cols=['side', 'main', 'head']), side_bg='#2d2a4a',
                  side_fg='#f0eef8', accent='#4b3f8f', name_size=24, label_glued=True),
        claims=dict(name_not_first=True, stream_not_reading_order=True, name_min_pt=20),
        label='CV',
        name=dict(printed='Jean-Luc Moreau', first='Jean-Luc', last='Moreau'),
        headline='Développeur Full-Stack Senior', location='Lyon, France',
        email='jeanluc.moreau@example.fr', phone='+33 (0)6 71 23 45 89',
        linkedin='fr.linkedin.com/in/jean-luc-moreau',
        contact_order=['location', 'phone', 'email', 'linkedin'],
        summary=("Développeur full-stack avec plus de dix ans d'expérience dans la banque et l'édition de logiciels. "
                 "J'aime les interfaces sobres, les API bien documentées et les tests automatisés."),
        dates=dict(kind='mon', months='fr', sep=' – ', present="aujourd'hui"),
        exp=[
            dict(title='Développeur Full-Stack Senior', company='Lumière Logiciels SAS', city='Lyon',
                 start='2021-02', end=None, bullets=[
                     'Applications web en React et TypeScript, API en Node.js.',
                     'Base PostgreSQL et déploiement sur Kubernetes avec GitLab CI.']),
            dict(title='Développeur Full-Stack', company='Moselle Finance S.A.', city='Luxembourg',
                 start='2017-09', end='2021-01', bullets=['Portail client en Angular et Java (Spring Boot).',
                                                          'Tests de bout en bout avec Cypress.']),
            dict(title='Développeur Web (alternance)', company="Presqu'île Digital SARL", city='Lyon',
                 start='2015-09', end='2017-08', bullets=['Sites en PHP et JavaScript pour des PME.']),
        ],
        edu=[dict(degree='Master', field='Informatique', join=' ', inst='Université Claude Bernard Lyon 1',
                  year=2017, level='master')],
        skills_section=[('', 'TypeScript, React, Angular, Node.js, Java, Spring Boot, PostgreSQL, Kubernetes, '
                             'GitLab CI, Cypress')],
        skills=['TypeScript', 'React', 'Angular', 'Node.js', 'Java', 'Spring Boot', 'PostgreSQL', 'Kubernetes',
                'GitLab CI', 'Cypress', 'PHP', 'JavaScript'],
        langs=['Français (langue maternelle)', 'Anglais (courant)', 'Allemand (notions)'],
        notes=["French CV; label 'CV' glued in front of the name on the same baseline (different weight/colour)",
               'two columns, left sidebar (28%) with contact, skills and languages drawn first, main column next, '
               'and the header block (label, name, headline) LAST in the content stream',
               "French month abbreviations ('févr. 2021 – aujourd'hui', 'sept. 2017 – janv. 2021'); legal suffixes SAS, S.A., "
               'SARL with the city right-aligned'],
    ),
]

RESUMES += [
    # ------------------------------------------------------------------ t28
    dict(
        id='t28', fmt='docx', layout='docx_header_contact_table', lang='en', pages=1,
        layout_name='docx_contact_only_in_header_experience_table',
        opts=dict(exp_cols=['Dates', 'Role', 'Company']),
        name=dict(printed='Daniel J. Okafor', first='Daniel J.', last='Okafor',
                  variants=[{'first_name': 'Daniel', 'last_name': 'Okafor'}]),
        headline='Data Platform Lead', location='Melbourne VIC, Australia',
        email='daniel.okafor@example.com.au', phone='+61 491 570 110',
        linkedin='linkedin.com/in/daniel-j-okafor',
        contact_order=['email', 'phone', 'linkedin', 'location'],
        summary=('Data engineer turned platform lead with eleven years in retail, insurance and e-commerce across '
                 'Lagos and Melbourne. I build data platforms on AWS that analysts can use without waiting for '
                 'engineering.'),
        dates=dict(kind='mon', months='en', sep=' - ', present='Present'),
        exp=[
            dict(title='Data Platform Lead', company='Yarra Analytics Pty Ltd', start='2022-01', end=None, bullets=[
                'Lead six engineers running the Snowflake and dbt platform for 200 analysts.',
                'Streaming ingestion with Kafka and AWS Lambda; infrastructure in Terraform.']),
            dict(title='Senior Data Engineer', company='Southbank Insurance Pty Ltd', start='2018-06', end='2021-12',
                 bullets=['Claims data warehouse on Redshift, later migrated to Snowflake.',
                          'Airflow DAGs and Python ingestion jobs; Tableau extracts for actuaries.']),
            dict(title='Data Engineer', company='Ikeja Retail Analytics Ltd', start='2015-02', end='2018-04',
                 bullets=['ETL jobs in SQL and Python for 120 supermarkets.']),
        ],
        edu=[dict(degree='M.Sc.', field='Data Science', join=' in ', inst='Monash University', year=2019,
                  level='master'),
             dict(degree='B.Sc.', field='Computer Science', join=' in ', inst='University of Lagos', year=2014,
                  level='bachelor')],
        skills_section=[('Data', 'Snowflake, dbt, Apache Airflow, Apache Kafka, SQL, Python'),
                        ('Cloud', 'AWS, Terraform, Docker'),
                        ('BI', 'Tableau, Power BI')],
        skills=['Snowflake', 'dbt', 'Apache Airflow', 'Apache Kafka', 'SQL', 'Python', 'AWS', 'Terraform', 'Docker',
                'Tableau', 'Power BI', 'ETL'],
        certs=['SnowPro Core Certification'],
        langs=['English (native)', 'Yoruba (native)', 'Igbo (conversational)'],
        notes=['DOCX: e-mail, phone, LinkedIn and location ONLY in the page header (none in the body)',
               'experience in a 3-column table Dates | Role | Company with a header row; bullets in the Role cell',
               "middle initial ('Daniel J. Okafor'); Pty Ltd legal suffix; 'Mon YYYY - Present' with a hyphen",
               'Australian mobile in international format (ACMA fictional 0491 570 range)'],
    ),
    # ------------------------------------------------------------------ t29
    dict(
        id='t29', fmt='docx', layout='docx_textbox_sidebar', lang='en', pages=1,
        layout_name='docx_text_box_sidebar_grouped_roles',
        name=dict(printed='Yousef al-Hashimi', first='Yousef', last='al-Hashimi',
                  variants=[{'first_name': 'Yousef', 'last_name': 'Al-Hashimi'}]),
        headline='Cloud Solutions Architect', location='Dubai, United Arab Emirates',
        email='yousef.alhashimi@example.ae', phone='+971 50 123 4567',
        linkedin='linkedin.com/in/yousef-al-hashimi',
        contact_order=['location', 'phone', 'email', 'linkedin'],
        summary=('Cloud architect with ten years in logistics and retail across the Gulf. I design landing zones '
                 'and migration plans, and stay hands-on with Terraform and Kubernetes.'),
        dates=dict(kind='mon', months='en_long', sep=' – ', present='Present'),
        exp=[
            dict(title='Senior Cloud Architect', company='Gulf Cloud Solutions FZ-LLC', city='Dubai',
                 start='2022-04', end=None, bullets=[
                     'Designed Azure and AWS landing zones for 14 enterprise customers.',
                     'Migration factory: 300 workloads moved with Terraform and Azure DevOps pipelines.']),
            dict(title='Cloud Engineer', company='Gulf Cloud Solutions FZ-LLC', city='Dubai', start='2019-09',
                 end='2022-03', bullets=['AKS and EKS clusters for retail customers; Helm charts for each app.',
                                         'Cost reports in Power BI.']),
            dict(title='Systems Administrator', company='Sharjah Logistics Co. L.L.C.', city='Sharjah',
                 start='2016-01', end='2019-08', bullets=['Windows and Linux servers, VMware, backups.',
                                                          'PowerShell and Bash automation.']),
        ],
        edu=[dict(degree='B.Sc.', field='Computer Engineering', join=' in ', inst='American University of Sharjah',
                  year=2015, level='bachelor')],
        skills_section=[('Cloud', 'Azure, AWS, Terraform'),
                        ('Containers', 'Kubernetes, Helm, Docker'),
                        ('Scripting', 'Bash, Python')],
        skills=['Azure', 'AWS', 'Terraform', 'Kubernetes', 'Helm', 'Docker', 'Bash', 'Python', 'Linux', 'Power BI'],
        certs=['Microsoft Certified: Azure Solutions Architect Expert'],
        langs=['Arabic (native)', 'English (fluent)', 'Hindi (basic)'],
        notes=['DOCX: contact, skills and languages in a floating TEXT BOX (DrawingML wps shape with a VML fallback, '
               'as Word writes it, so the box text is present twice in document.xml)',
               'company line first (employer, city) then two roles with their own dates',
               "lower-case surname particle 'al-' (Yousef al-Hashimi); long month names"],
    ),
    # ------------------------------------------------------------------ t30
    dict(
        id='t30', fmt='docx', layout='docx_header_table_pt', lang='pt', pages=1,
        layout_name='docx_name_and_contact_in_header_experience_table',
        opts=dict(exp_cols=['Período', 'Função', 'Empresa']),
        headings=dict(edu='Formação académica', skills='Competências técnicas'),
        name=dict(printed='Ana Beatriz Costa Ferreira', first='Ana Beatriz', last='Costa Ferreira',
                  variants=[{'first_name': 'Ana Beatriz Costa', 'last_name': 'Ferreira'}]),
        headline='Engenheira de Software Sénior', location='Lisboa, Portugal',
        email='anabeatriz.ferreira@example.pt', phone='+351 21 123 4567',
        github='github.com/abcferreira',
        contact_order=['location', 'phone', 'email', 'github'],
        summary=('Engenheira de software com dez anos de experiência em seguros, turismo e banca. Trabalho em '
                 'Python e Go, com foco em APIs bem testadas e em entrega contínua.'),
        dates=dict(kind='mon', months='pt', sep=' – ', present='atual'),
        exp=[
            dict(title='Engenheira de Software Sénior', company='Tejo Digital, Lda.', start='2022-02', end=None,
                 bullets=['Serviços de cotação de seguros em Python (FastAPI) e PostgreSQL.',
                          'Mentoring de três pessoas e revisão de código para duas equipas.']),
            dict(title='Engenheira de Software', company='Alfama Sistemas, S.A.', start='2018-10', end='2022-01',
                 bullets=['Motor de reservas em Go com Redis e RabbitMQ.',
                          'Pipelines de continuous delivery em GitLab CI.']),
            dict(title='Programadora Júnior', company='Belém Web, Lda.', start='2016-09', end='2018-09',
                 bullets=['Sites institucionais em PHP e JavaScript.']),
        ],
        edu=[dict(degree='Mestrado', field='Engenharia Informática', join=' em ', inst='Instituto Superior Técnico',
                  year=2016, level='master')],
        skills_section=[('Linguagens', 'Python, Go, SQL, JavaScript'),
                        ('Frameworks e dados', 'FastAPI, PostgreSQL, Redis, RabbitMQ'),
                        ('Entrega', 'Docker, GitLab CI, Git')],
        skills=['Python', 'Go', 'SQL', 'JavaScript', 'FastAPI', 'PostgreSQL', 'Redis', 'RabbitMQ', 'Docker',
                'GitLab CI', 'Git', 'Mentoring', 'CI/CD', 'PHP'],
        langs=['Português (nativo)', 'Inglês (C1)', 'Francês (B2)'],
        notes=['European Portuguese DOCX; name, headline and contact details only in the page header (a two-cell '
               'header table)', 'experience in a 3-column table Período | Função | Empresa with a header row',
               "two given names and two surnames ('Ana Beatriz Costa Ferreira'); legal suffixes Lda. and S.A. "
               "after a comma", "Portuguese month abbreviations 'out 2018 – jan 2022', 'atual'"],
    ),
]
