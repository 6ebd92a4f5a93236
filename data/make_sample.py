"""Generate the bundled synthetic sample data in data/sample/ (deterministic: same output every run).

    python data/make_sample.py [OUT_DIR]

Everything here is invented: members, organisations, places, phone numbers and e-mail addresses
are fictitious. The texts imitate a multilingual knowledge-exchange hub on ending violence against
women and girls: six pillars, seven regions, about 80% English with Spanish, French, Portuguese and
a few Arabic posts. Planted for the pipeline to find: trends (the Data pillar rising month on month
in Latin America, a new sub-topic on technology-facilitated violence in the last two months, police
training fading), personal data to redact, two script payloads, and bad rows for the ledger.
Standard library + openpyxl only; runs in a second or two.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
import sys
import uuid
from pathlib import Path

SEED = 20260501
OUT = Path(__file__).resolve().parent / "sample"
MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
THREADS_PER_MONTH = [41, 42, 43, 44, 45, 47]  # ~260 threads, ~1,500 posts
# planted trends, in threads per month (each such thread has 6 posts)
LATAM_DATA_THREADS = [1, 2, 3, 4, 6, 7]  # the Data pillar rises month on month in Latin America
OTHER_DATA_THREADS = [3, 3, 3, 3, 3, 3]  # ... and stays flat elsewhere
POLICE_THREADS = [6, 5, 4, 3, 1, 1]      # police training fades
ONLINE_THREADS = [0, 0, 0, 0, 6, 8]      # technology-facilitated violence appears in the last two months

# ------------------------------------------------------------------------------------------
# Places and people

REGIONS: dict[str, list[str]] = {
    "Africa": ["Kenya", "Uganda", "Nigeria", "Malawi", "Liberia", "Zimbabwe", "Mali", "Niger",
               "Mozambique", "Namibia"],
    "Latin America": ["Mexico", "Argentina", "Ecuador", "Honduras", "El Salvador", "Guatemala", "Brazil"],
    "Caribbean": ["Jamaica", "Trinidad and Tobago", "Belize", "Grenada", "Guyana", "Haiti"],
    "Asia": ["Timor-Leste", "the Philippines", "Nepal", "Viet Nam"],
    "Pacific": ["Samoa", "Vanuatu", "Papua New Guinea", "Fiji"],
    "Arab States": ["Jordan", "Lebanon", "Iraq", "Tunisia", "Morocco"],
    "Europe and Central Asia": ["Kyrgyzstan", "Tajikistan", "Moldova", "Albania", "Georgia"],
}
REGION_WEIGHT = {"Africa": 0.25, "Latin America": 0.19, "Caribbean": 0.14, "Asia": 0.12,
                 "Pacific": 0.10, "Arab States": 0.10, "Europe and Central Asia": 0.10}
MEMBERS_PER_REGION = {"Africa": 48, "Latin America": 40, "Caribbean": 28, "Asia": 24, "Pacific": 20,
                      "Arab States": 20, "Europe and Central Asia": 20}
# the language a member from this country writes in when not writing English, and how often
COUNTRY_LANG = {"Mexico": ("es", 0.6), "Argentina": ("es", 0.6), "Ecuador": ("es", 0.6),
                "Honduras": ("es", 0.6), "El Salvador": ("es", 0.6), "Guatemala": ("es", 0.6),
                "Brazil": ("pt", 0.6), "Mozambique": ("pt", 0.55), "Timor-Leste": ("pt", 0.4),
                "Mali": ("fr", 0.5), "Niger": ("fr", 0.5), "Haiti": ("fr", 0.45),
                "Tunisia": ("fr", 0.35), "Morocco": ("fr", 0.35), "Lebanon": ("fr", 0.15)}
ARABIC_COUNTRIES = {"Jordan": "الأردن", "Lebanon": "لبنان", "Iraq": "العراق", "Tunisia": "تونس",
                    "Morocco": "المغرب"}
# (name, "in <country>") per language; English uses "in {country}"
LOCAL = {
    "es": {"Mexico": "México", "Argentina": "Argentina", "Ecuador": "Ecuador", "Honduras": "Honduras",
           "El Salvador": "El Salvador", "Guatemala": "Guatemala"},
    "pt": {"Brazil": ("Brasil", "no Brasil"), "Mozambique": ("Moçambique", "em Moçambique"),
           "Timor-Leste": ("Timor-Leste", "em Timor-Leste")},
    "fr": {"Mali": ("Mali", "au Mali"), "Niger": ("Niger", "au Niger"), "Haiti": ("Haïti", "en Haïti"),
           "Tunisia": ("Tunisie", "en Tunisie"), "Morocco": ("Maroc", "au Maroc"),
           "Lebanon": ("Liban", "au Liban")},
}
FIRST = {
    "Africa": ["Amina", "Fatou", "Esther", "Thandiwe", "Nomvula", "Akosua", "Imani", "Wanjiru", "Chipo",
               "Aisha", "Ngozi", "Adaeze", "Awa", "Mariama", "Nandi", "Tendai", "Lindiwe", "Abena",
               "Samuel", "Kwame"],
    "Latin America": ["Lucía", "Mariana", "Valentina", "Daniela", "Paola", "Carmen", "Beatriz", "Josefa",
                      "Ximena", "Camila", "Fernanda", "Gabriela", "Renata", "Andrea", "Carlos", "Javier",
                      "Luisa", "Inés"],
    "Caribbean": ["Keisha", "Tanya", "Shanice", "Nadine", "Marlene", "Janelle", "Andre", "Renee",
                  "Claudette", "Sherry-Ann", "Dwayne", "Natalie"],
    "Asia": ["Priya", "Sokha", "Lina", "Anjali", "Sita", "Thuy", "Rosalinda", "Nilam", "Jocelyn", "Arjun"],
    "Pacific": ["Leilani", "Mele", "Aroha", "Sione", "Losana", "Vika", "Tomasi", "Salote", "Litia"],
    "Arab States": ["Layla", "Rania", "Noor", "Salma", "Huda", "Yasmin", "Rasha", "Dina", "Ahmed", "Omar"],
    "Europe and Central Asia": ["Aigerim", "Nino", "Elena", "Gulnara", "Dilnoza", "Mariam", "Irina",
                                "Elira", "Aida", "Bakyt"],
}
LAST = {
    "Africa": ["Okafor", "Mensah", "Diallo", "Mwangi", "Banda", "Achieng", "Kamau", "Phiri", "Tembo",
               "Ndlovu", "Traoré", "Chikwanha", "Adeyemi", "Nyirenda", "Mutasa", "Sithole"],
    "Latin America": ["García", "Rojas", "Morales", "López", "Reyes", "Fernandes", "Pereira", "Herrera",
                      "Salazar", "Oliveira", "Guzmán", "Aguilar", "Navarro", "Quispe"],
    "Caribbean": ["Campbell", "Williams", "Thompson", "Charles", "Baptiste", "Clarke", "Joseph",
                  "Richards", "Persaud", "Gordon"],
    "Asia": ["Nguyen", "Tran", "Pham", "Thapa", "Gurung", "Sharma", "Bautista", "Ximenes", "Soares",
             "Aquino"],
    "Pacific": ["Tuilagi", "Taufa", "Fifita", "Waqa", "Naidu", "Kaloni", "Tamata", "Moli", "Sope"],
    "Arab States": ["Haddad", "Mansour", "Khalil", "Nasser", "Saleh", "Aziz", "Hamdan", "Karimi",
                    "Benali", "Tahan"],
    "Europe and Central Asia": ["Petrova", "Beridze", "Nazarova", "Abdullaeva", "Ivanova", "Hasanova",
                                "Osmonova", "Hoxha", "Berisha", "Ceban"],
}
# invented small places: named in a few posts, listed in the config so they are redacted
PLACES = ["Kalomba", "Ti Morne", "Vailoa Uta"]

# ------------------------------------------------------------------------------------------
# What people write about: pillar -> sub-topics, each with sentence banks per language.
# Slots: {country} {In} {in} {year} {year2} {k} {k2} {n} {pct} {lo} {hi} {small}

TOPICS: dict[str, dict] = {
    "law_reform": {
        "pillar": "Laws and policies", "label": "domestic violence law reform",
        "en": {
            "titles": ["Reforming domestic violence laws: what made the difference?",
                       "Protection orders under the new law",
                       "Implementing the revised family violence act"],
            "did": ["In {country}, parliament passed amendments to the domestic violence act in {year} after two years of joint advocacy by women's organisations and the women's caucus.",
                    "In {country}, the programme supported the ministry of justice to draft the regulations for the new law on violence against women.",
                    "Our coalition in {country} reviewed {k} laws and found provisions that still allowed marital rape to go unpunished.",
                    "In {country}, the revised law now recognises psychological and economic violence, not only physical harm."],
            "res": ["Since the law changed in {year}, courts in {country} have issued most protection orders within 24 hours.",
                    "By {year}, {pct}% of magistrates had been trained on the new provisions.",
                    "Reported cases rose by {pct}% in the first year, which we read as more trust in the system rather than more violence."],
            "les": ["law reform only changes women's lives when the budget for implementation is agreed at the same time",
                    "drafting the bill together with survivors' organisations made the law far more practical",
                    "judges and prosecutors need training as soon as a law is passed, not years later"],
            "ask": ["How have colleagues monitored whether a new law is actually enforced?",
                    "Has anyone costed the implementation of a domestic violence law? We are looking for examples."],
            "chal": ["The main challenge is that customary courts still handle most cases in rural areas.",
                     "Implementation regulations are still pending, so police do not know which procedures to follow."],
        },
        "es": {"titles": ["Reforma de la ley integral: ¿qué funcionó?"],
               "did": ["{In}, el congreso aprobó en {year} la reforma a la ley integral contra la violencia hacia las mujeres.",
                       "{In}, la nueva ley reconoce la violencia psicológica y económica y crea juzgados especializados."],
               "res": ["Desde {year}, los juzgados emiten medidas de protección en menos de 24 horas."],
               "les": ["la reforma legal necesita presupuesto para su implementación desde el inicio",
                       "la participación de las organizaciones de sobrevivientes en la redacción hizo la ley más aplicable"],
               "ask": ["¿Cómo han monitoreado otros países la aplicación real de la ley?"]},
        "fr": {"titles": ["Réformer la loi sur les violences conjugales"],
               "did": ["{In}, le parlement a adopté en {year} la réforme de la loi sur les violences conjugales après deux ans de plaidoyer."],
               "les": ["la réforme juridique doit s'accompagner d'un budget de mise en œuvre"],
               "ask": ["Comment suivez-vous l'application effective de la loi ?"]},
        "pt": {"titles": ["A reforma da lei sobre violência doméstica"],
               "did": ["{In}, o parlamento aprovou em {year} a reforma da lei sobre violência doméstica."],
               "les": ["a reforma legal precisa de orçamento para a implementação desde o início"],
               "ask": ["Como vocês acompanham a aplicação efetiva da lei?"]},
        "ar": ["هل لدى الزملاء تجارب في تدريب القضاة على قانون الحماية من العنف الأسري؟ {in_ar} صدر القانون الجديد، لكن التطبيق ما زال ضعيفاً."],
    },
    "budgeting": {
        "pillar": "Laws and policies", "label": "gender-responsive budgeting",
        "en": {
            "titles": ["Gender-responsive budgeting for ending violence", "Costing the national action plan",
                       "Tracking public spending on services for survivors"],
            "did": ["In {country}, the finance ministry introduced gender budget tags so that spending on ending violence can be tracked line by line.",
                    "In {country}, the programme helped the planning ministry cost the national action plan on violence against women.",
                    "Women's organisations in {country} ran a budget tracking exercise on the allocations for shelters and helplines."],
            "res": ["The tracking showed that only {small}% of the health budget reached services for survivors in {year}.",
                    "After the costing exercise, the allocation for the national action plan doubled between {year} and {year2}.",
                    "{k} municipalities now report their spending on prevention and response every year."],
            "les": ["a national action plan without a costed budget stays on paper",
                    "budget advocacy works best when civil society can read the budget documents themselves",
                    "planning officers need simple tools to tag spending on ending violence"],
            "ask": ["Does anyone have a template for costing a national action plan?",
                    "How do you convince finance ministries to keep the allocations in a crisis year?"],
            "chal": ["Allocations were cut during the fiscal crisis, and services were the first to lose funding."],
        },
        "es": {"titles": ["Presupuestos con enfoque de género"],
               "did": ["{In}, el ministerio de finanzas incorporó etiquetas de presupuesto con enfoque de género para seguir el gasto en la lucha contra la violencia."],
               "les": ["un plan nacional sin presupuesto asignado se queda en el papel"],
               "ask": ["¿Alguien tiene una metodología para costear el plan nacional de acción?"]},
        "fr": {"did": ["{In}, le ministère des finances a introduit un marquage budgétaire sensible au genre."],
               "les": ["un plan d'action national sans budget chiffré reste sur le papier"]},
        "pt": {"did": ["{In}, o ministério das finanças introduziu marcadores de orçamento sensível ao género."],
               "les": ["um plano nacional sem orçamento fica no papel"]},
    },
    "police": {
        "pillar": "Institutions", "label": "police training",
        "en": {
            "titles": ["Training police on survivor-centred responses", "Specialised police units: lessons so far",
                       "Police academy curriculum on gender-based violence"],
            "did": ["In {country}, the programme established a training course for police officers on survivor-centred interviewing.",
                    "In {country}, specialised police units now take statements in private rooms, with a female officer available on every shift.",
                    "We worked with the police academy in {country} to include gender-based violence in the basic curriculum for all recruits.",
                    "{k} police stations in {country} now have a gender desk."],
            "res": ["Complaints to the specialised units rose by {pct}% in {year}, and withdrawals of cases fell.",
                    "By {year}, {n} officers had completed the course."],
            "les": ["police training works when it is part of the academy curriculum, not a one-off workshop",
                    "officers change how they respond when senior commanders attend the training too",
                    "rotation of trained officers can undo the gains unless the training is repeated every year"],
            "ask": ["How do you keep trained officers in the gender units when they are rotated?",
                    "Does anyone have a checklist for survivor-centred interviews that police can use?"],
            "chal": ["Staff turnover in the police is high, so many trained officers moved within a year."],
        },
        "es": {"titles": ["Capacitación policial centrada en las sobrevivientes"],
               "did": ["{In}, el programa estableció un curso para la policía sobre atención centrada en las sobrevivientes."],
               "les": ["la capacitación policial funciona cuando forma parte del currículo de la academia"]},
        "fr": {"titles": ["Former la police à l'accueil des survivantes"],
               "did": ["{In}, le programme a mis en place une formation des policiers à l'accueil des survivantes."],
               "les": ["la formation fonctionne lorsqu'elle fait partie du programme de l'école de police"]},
        "pt": {"did": ["{In}, o programa criou uma formação para a polícia sobre o atendimento centrado nas sobreviventes."],
               "les": ["a formação funciona quando faz parte do currículo da academia de polícia"]},
    },
    "coordination": {
        "pillar": "Institutions", "label": "coordination mechanisms",
        "en": {
            "titles": ["Coordination mechanisms that actually meet", "Working as one UN with government and civil society",
                       "District coordination committees"],
            "did": ["In {country}, the national coordination mechanism now meets every month with the ministries, the UN agencies and civil society.",
                    "In {country}, the programme established interagency committees and pillar sub-committees where government and civil society partners sit together.",
                    "District committees in {country} bring local government, traditional leaders and service providers together every quarter.",
                    "In {country}, we created a shared online folder and a joint work plan so that agencies stop duplicating activities."],
            "res": ["Referral times between health, police and justice fell from {k} days to under a week.",
                    "{k} districts have an active coordination committee with minutes and follow-up actions."],
            "les": ["a coordination body needs a secretariat with staff, or it stops meeting after a year",
                    "leadership by the Resident Coordinator helped agencies compromise and act as one",
                    "inviting civil society into the committees built trust and stronger partnerships"],
            "ask": ["How do others keep line ministries engaged when senior staff change?",
                    "What terms of reference have worked for district coordination committees?"],
            "chal": ["Each agency still reports separately, which doubles the work for partners."],
        },
        "es": {"did": ["{In}, el mecanismo nacional de coordinación se reúne cada mes con los ministerios y la sociedad civil."],
               "les": ["un espacio de coordinación necesita una secretaría con personal o deja de reunirse"]},
        "fr": {"did": ["{In}, le mécanisme national de coordination réunit chaque mois les ministères et la société civile."],
               "les": ["un mécanisme de coordination a besoin d'un secrétariat doté de personnel"]},
        "pt": {"did": ["{In}, o mecanismo nacional de coordenação reúne ministérios e sociedade civil todos os meses."],
               "les": ["um órgão de coordenação precisa de uma secretaria com pessoal"]},
        "ar": ["{in_ar}، نعمل مع الشرطة والصحة والقضاء على نظام إحالة موحد (referral pathway). تعلمنا أن التنسيق بين القطاعات يقلل الوقت الذي تنتظره الناجيات."],
    },
    "schools": {
        "pillar": "Prevention", "label": "school programmes",
        "en": {
            "titles": ["Respectful relationships in schools", "Working with teachers on gender norms",
                       "School clubs and safe spaces for girls"],
            "did": ["In {country}, the programme launched a respectful relationships curriculum in {k2} secondary schools.",
                    "Teachers in {country} were trained to discuss consent, gender norms and healthy relationships with students.",
                    "In {country}, school clubs give girls and boys a safe space to talk about violence and where to get help.",
                    "We supported the ministry of education in {country} to adopt a code of conduct on sexual harassment in schools."],
            "res": ["After one school year, the share of students who said violence in a relationship is never acceptable rose from {lo}% to {hi}%.",
                    "{n} students took part in the school clubs in {year}."],
            "les": ["school programmes work best when parents are engaged from the start",
                    "teachers need support and supervision, not only a training manual",
                    "a referral path from the school to services must exist before students are encouraged to speak up"],
            "ask": ["Has anyone adapted a school curriculum for primary schools?",
                    "How do you measure changes in attitudes among students?"],
            "chal": ["Some parents objected to the curriculum until we held meetings to explain it."],
        },
        "es": {"titles": ["Educación para relaciones respetuosas en las escuelas"],
               "did": ["{In}, el programa impulsó un currículo de relaciones respetuosas en {k2} escuelas secundarias.",
                       "{In}, los docentes fueron capacitados para hablar de consentimiento y normas de género con sus estudiantes."],
               "les": ["los programas escolares funcionan mejor cuando las familias participan desde el inicio"],
               "ask": ["¿Cómo miden el cambio de actitudes entre estudiantes?"]},
        "fr": {"did": ["{In}, le programme a lancé un programme scolaire sur les relations respectueuses dans {k2} écoles."],
               "les": ["les programmes scolaires fonctionnent mieux lorsque les parents sont impliqués dès le début"]},
        "pt": {"did": ["{In}, o programa lançou um currículo sobre relações respeitosas em {k2} escolas secundárias."],
               "les": ["os programas escolares funcionam melhor quando as famílias participam desde o início"]},
        "ar": ["{in_ar}، بدأنا برنامجاً في المدارس حول العلاقات القائمة على الاحترام، بمشاركة الأهالي منذ البداية. شاركت فيه أكثر من 40 مدرسة."],
    },
    "men_boys": {
        "pillar": "Prevention", "label": "engaging men and boys",
        "en": {
            "titles": ["Engaging men and boys as allies", "Male champions and faith leaders",
                       "Positive masculinities: what have you tried?"],
            "did": ["In {country}, community dialogues with men and boys challenged harmful ideas of masculinity.",
                    "Male champions and faith leaders in {country} spoke publicly against violence in their congregations.",
                    "In {country}, sports clubs became a place where young men discussed respect and gender equality.",
                    "We trained {k} male champions in {country} who now run fathers' groups in their communities."],
            "res": ["In the communities reached, the share of men who agreed that a husband may hit his wife fell from {hi}% to {lo}%."],
            "les": ["men should be engaged as allies without taking space or funding from women's leadership",
                    "faith leaders are powerful messengers when they speak in their own words",
                    "work with men must stay accountable to women's organisations"],
            "ask": ["How do you make sure work with men stays accountable to women's rights organisations?"],
            "chal": ["Some male champions dropped out when their peers mocked them."],
        },
        "es": {"titles": ["Masculinidades positivas: ¿qué han probado?"],
               "did": ["{In}, los diálogos comunitarios con hombres y niños cuestionaron las masculinidades violentas."],
               "les": ["es fundamental trabajar con los hombres como aliados sin quitar espacio al liderazgo de las mujeres"]},
        "fr": {"did": ["{In}, des dialogues communautaires avec les hommes et les garçons ont remis en cause les masculinités violentes."],
               "les": ["il faut travailler avec les hommes comme alliés sans prendre la place du leadership des femmes"]},
        "pt": {"did": ["{In}, diálogos comunitários com homens e rapazes questionaram as masculinidades violentas."],
               "les": ["é essencial trabalhar com os homens como aliados sem tirar espaço à liderança das mulheres"]},
    },
    "community": {
        "pillar": "Prevention", "label": "community mobilisation",
        "en": {
            "titles": ["Community mobilisation to shift social norms", "Radio drama and community theatre",
                       "Working with traditional leaders"],
            "did": ["Community activists in {country} used a phased community mobilisation approach to shift the norms that excuse violence.",
                    "In {country}, radio drama and community theatre reached remote villages with prevention messages.",
                    "In {country}, traditional leaders signed by-laws against child marriage and now report cases to the authorities.",
                    "Community volunteers in {country} ran door-to-door conversations about power and consent."],
            "res": ["In {year}, {n} people took part in community conversations across {k} villages.",
                    "Endline data showed that {pct}% of respondents would now intervene if a neighbour was being beaten."],
            "les": ["community mobilisation takes at least three years before attitudes change",
                    "change lasts when community activists are paid and supervised, not left as volunteers",
                    "messages work better when local women design them"],
            "ask": ["How long did it take before you saw changes in attitudes?"],
            "chal": ["Backlash from some community leaders slowed the work in the first year."],
        },
        "es": {"did": ["{In}, activistas comunitarias usaron teatro y radio para cambiar las normas sociales que justifican la violencia."],
               "les": ["la movilización comunitaria necesita al menos tres años para cambiar actitudes"]},
        "fr": {"titles": ["Mobilisation communautaire et normes sociales"],
               "did": ["{In}, les activistes communautaires ont utilisé le théâtre et la radio pour changer les normes sociales."],
               "les": ["la mobilisation communautaire prend au moins trois ans avant que les attitudes changent"]},
        "pt": {"did": ["{In}, ativistas comunitárias usaram teatro e rádio para mudar as normas sociais que justificam a violência."],
               "les": ["a mobilização comunitária leva pelo menos três anos até as atitudes mudarem"]},
    },
    "online": {
        "pillar": "Prevention", "label": "technology-facilitated violence",
        "en": {
            "titles": ["Technology-facilitated violence: a growing concern", "Online harassment of women activists and journalists",
                       "Digital safety for women's organisations"],
            "did": ["Technology-facilitated violence is rising in {country}: women activists face online harassment, doxxing and image-based abuse.",
                    "In {country}, we started digital safety training for women's organisations before they launch online campaigns.",
                    "In {country}, the programme set up a reporting channel with the platforms for abusive posts targeting women journalists.",
                    "Our helpline in {country} now records online abuse and sextortion as a separate category."],
            "res": ["In a survey in {year}, {pct}% of women journalists in {country} said they had been harassed online.",
                    "Platforms took {k} days on average to remove the abusive posts we reported."],
            "les": ["survivors of online abuse need the same referral pathway as other survivors",
                    "digital safety training must reach women's organisations before their campaigns go online",
                    "cybercrime laws rarely name online violence against women, so cases fall through the cracks"],
            "ask": ["Has anyone worked with social media platforms on faster removal of abusive content?",
                    "Which laws in your country cover image-based abuse?"],
            "chal": ["Police often tell women to simply leave social media."],
        },
        "es": {"titles": ["Violencia facilitada por la tecnología"],
               "did": ["La violencia digital aumenta {in}: activistas y periodistas enfrentan acoso en línea y difusión de imágenes íntimas."],
               "les": ["la seguridad digital debe llegar a las organizaciones de mujeres antes de las campañas en línea"],
               "ask": ["¿Alguien ha trabajado con las plataformas para retirar más rápido el contenido abusivo?"]},
        "fr": {"did": ["{In}, les militantes font face au harcèlement en ligne et à la diffusion d'images intimes."],
               "les": ["la sécurité numérique doit atteindre les organisations de femmes avant leurs campagnes en ligne"]},
        "pt": {"did": ["{In}, ativistas e jornalistas enfrentam assédio online e divulgação de imagens íntimas."],
               "les": ["a segurança digital deve chegar às organizações de mulheres antes das campanhas online"]},
        "ar": ["يتزايد العنف الرقمي ضد الناشطات والصحفيات {in_ar}. تعلمنا أن التدريب على الأمان الرقمي يجب أن يصل إلى منظمات النساء قبل حملاتهن على الإنترنت."],
    },
    "shelters": {
        "pillar": "Services", "label": "survivor shelters",
        "en": {
            "titles": ["Running shelters for survivors: standards and funding", "Survivors with disabilities in shelters",
                       "After the shelter: case management and economic support"],
            "did": ["The shelter in {country} expanded from {k} to {k2} beds and added psychosocial counselling.",
                    "In {country}, the programme helped the ministry adopt minimum standards for shelters.",
                    "Our shelter network in {country} added ramps, sign language support and accessible rooms for survivors with disabilities.",
                    "In {country}, survivors leaving the shelter receive a small grant and job training."],
            "res": ["In {year}, the shelter hosted {n} women and children, with an average stay of {k} weeks."],
            "les": ["survivors stay safer when case management continues after they leave the shelter",
                    "survivors need safe accommodation, legal aid and economic support at the same time",
                    "shelters need predictable public funding, not short project grants"],
            "ask": ["How do other shelters fund their running costs after the project ends?",
                    "Does anyone have guidance for supporting survivors with disabilities in shelters?"],
            "chal": ["Our shelter is always full, and women are turned away in the rainy season."],
        },
        "es": {"titles": ["Casas refugio: estándares y financiamiento"],
               "did": ["El refugio {in} amplió sus camas y ofrece acompañamiento psicosocial a las sobrevivientes."],
               "les": ["las sobrevivientes necesitan alojamiento seguro, asesoría legal y apoyo económico al mismo tiempo"]},
        "fr": {"did": ["Le foyer d'accueil {in} a augmenté sa capacité et offre un soutien psychosocial aux survivantes."],
               "les": ["les survivantes ont besoin d'un hébergement sûr, d'une aide juridique et d'un soutien économique en même temps"]},
        "ar": ["{in_ar}، وسّعنا دار الإيواء وأضفنا الدعم النفسي للناجيات. تعلمنا أن الناجيات يحتجن إلى السكن الآمن والمساعدة القانونية والدعم الاقتصادي في الوقت نفسه."],
        "pt": {"titles": ["Casas-abrigo para sobreviventes"],
               "did": ["A casa-abrigo {in} ampliou as vagas e oferece apoio psicossocial às sobreviventes."],
               "les": ["as sobreviventes precisam de abrigo seguro, apoio jurídico e apoio económico ao mesmo tempo"]},
    },
    "helplines": {
        "pillar": "Services", "label": "helplines",
        "en": {
            "titles": ["24-hour helplines: staffing and referral", "Text and chat lines for survivors who cannot call",
                       "Helpline data during emergencies"],
            "did": ["The 24-hour helpline in {country} is free of charge and staffed by trained counsellors.",
                    "In {country}, the helpline refers callers to health, police and shelter services through one referral pathway.",
                    "In {country}, we added a text and chat option to the helpline for women who cannot speak safely at home."],
            "res": ["The helpline in {country} answered {n} calls in {year}, most of them at night.",
                    "Calls rose by {pct}% during the lockdown months."],
            "les": ["helplines should offer text and chat options for women who cannot speak safely",
                    "counsellors need supervision and rest, or the work burns them out",
                    "a helpline is only as good as the services it can refer callers to"],
            "ask": ["What software do other helplines use to record calls safely?"],
            "chal": ["Many calls come from rural areas where there is no service to refer to."],
        },
        "es": {"titles": ["Líneas de ayuda 24 horas"],
               "did": ["La línea de atención 24 horas {in} es gratuita y cuenta con consejeras capacitadas."],
               "les": ["las líneas de ayuda deben ofrecer chat y mensajes para las mujeres que no pueden hablar con seguridad"]},
        "fr": {"titles": ["Lignes d'écoute pour les survivantes"],
               "did": ["La ligne d'écoute gratuite {in} oriente les appelantes vers les services de santé, de police et d'hébergement."],
               "les": ["une ligne d'écoute ne vaut que par les services vers lesquels elle peut orienter"]},
        "pt": {"did": ["A linha de apoio gratuita {in} encaminha as chamadas para os serviços de saúde, polícia e abrigo."],
               "les": ["as linhas de apoio devem oferecer chat e mensagens para mulheres que não podem falar em segurança"]},
        "ar": ["{in_ar}، أنشأ البرنامج خطاً ساخناً مجانياً للناجيات من العنف يعمل على مدار الساعة. في عام 2024، تلقى الخط أكثر من 3,200 مكالمة. تعلمنا أن الخط الساخن لا يكون فعالاً إلا إذا توفرت خدمات يمكن إحالة المتصلات إليها."],
    },
    "one_stop": {
        "pillar": "Services", "label": "one-stop centres",
        "en": {
            "titles": ["One-stop centres in hospitals", "Reducing how many times a survivor tells her story",
                       "Clinical management of rape and first-line support"],
            "did": ["In {country}, the programme established one-stop centres in district hospitals with clinical care, counselling, police and legal aid in one place.",
                    "In {country}, health workers were trained on first-line support and the clinical management of rape.",
                    "The one-stop centre in {country} opened a night shift so survivors can be seen within 72 hours."],
            "res": ["The one-stop centres in {country} saw {n} survivors in {year}, {pct}% of them girls under 18."],
            "les": ["a one-stop centre reduces the number of times a survivor has to tell her story",
                    "one-stop centres need a police officer and a lawyer on site, not only health staff",
                    "survivors come within 72 hours only when the community knows the centre exists"],
            "ask": ["How are one-stop centres staffed at night in your country?"],
            "chal": ["Survivors in remote areas travel for hours to reach the nearest centre."],
        },
        "es": {"titles": ["Centros de atención integral"],
               "did": ["{In}, el programa estableció centros de atención integral en hospitales con atención médica, psicológica y legal en un solo lugar."],
               "les": ["un centro de atención integral reduce las veces que una sobreviviente debe contar su historia"]},
        "fr": {"did": ["{In}, le programme a créé des centres intégrés dans les hôpitaux de district avec soins, écoute et aide juridique."],
               "les": ["un centre intégré réduit le nombre de fois qu'une survivante doit raconter son histoire"]},
        "pt": {"did": ["{In}, o programa criou centros de atendimento integrado nos hospitais com cuidados de saúde, apoio psicológico e jurídico."],
               "les": ["um centro integrado reduz o número de vezes que uma sobrevivente tem de contar a sua história"]},
        "ar": ["نستخدم نموذج one-stop centre في المستشفيات {in_ar}، ونقدم الرعاية الصحية والدعم النفسي والمساعدة القانونية في مكان واحد."],
    },
    "admin_data": {
        "pillar": "Data", "label": "administrative data",
        "en": {
            "titles": ["Administrative data on violence: common definitions", "One data collection form for police, health and shelters",
                       "Disaggregated data: who are services missing?"],
            "did": ["The national statistics office in {country} now publishes administrative data on violence against women every quarter.",
                    "In {country}, police, health and shelter records use one data collection form with common definitions.",
                    "In {country}, the programme supported an information system that links case records across services without sharing survivors' names."],
            "res": ["Since {year}, the data are disaggregated by age, disability and location.",
                    "The first quarterly bulletin counted {n} cases, {pct}% of them reported by health services."],
            "les": ["data disaggregated by age and disability reveal groups that services were missing",
                    "data sharing protocols must protect survivors' confidentiality before any trend analysis",
                    "common definitions across police, health and justice matter more than new software"],
            "ask": ["How do you protect confidentiality when you link records across services?",
                    "Does anyone have a data sharing protocol between police and health that we could adapt?"],
            "chal": ["Each service counted cases differently, so the national total was not comparable."],
        },
        "es": {"titles": ["Datos administrativos sobre violencia: definiciones comunes", "Registro único de casos de violencia"],
               "did": ["El instituto de estadística {in} publica datos administrativos sobre violencia contra las mujeres cada trimestre.",
                       "{In}, los registros de policía, salud y refugios usan un formulario único con definiciones comunes.",
                       "{In}, el programa apoyó un sistema de información que vincula los registros de casos entre servicios sin compartir nombres."],
               "res": ["Desde {year}, los datos se desagregan por edad, discapacidad y territorio.",
                       "El primer boletín trimestral registró {n} casos, el {pct}% reportados por los servicios de salud."],
               "les": ["los datos desagregados por edad y discapacidad muestran a quiénes los servicios no llegaban",
                       "las definiciones comunes entre policía, salud y justicia importan más que un software nuevo",
                       "los protocolos para compartir datos deben proteger la confidencialidad de las sobrevivientes"],
               "ask": ["¿Cómo protegen la confidencialidad al vincular registros entre servicios?"],
               "chal": ["Cada servicio contaba los casos de forma distinta, y el total nacional no era comparable."]},
        "ar": ["{in_ar}، تستخدم الشرطة والصحة ودور الإيواء استمارة واحدة بتعريفات موحدة. تعلمنا أن البيانات المصنفة حسب العمر والإعاقة تكشف الفئات التي لا تصلها الخدمات."],
        "fr": {"did": ["{In}, l'institut de statistique publie chaque trimestre des données administratives sur les violences faites aux femmes."],
               "les": ["des données ventilées par âge et handicap révèlent les groupes que les services ne touchaient pas"]},
        "pt": {"titles": ["Dados administrativos sobre violência"],
               "did": ["{In}, o instituto de estatística publica dados administrativos sobre violência contra as mulheres a cada trimestre.",
                       "{In}, polícia, saúde e abrigos usam um formulário único com definições comuns."],
               "les": ["os dados desagregados por idade e deficiência mostram quem os serviços não alcançavam",
                       "definições comuns entre polícia, saúde e justiça importam mais do que um novo software"]},
    },
    "observatory": {
        "pillar": "Data", "label": "femicide observatories",
        "en": {
            "titles": ["Femicide observatories: sources and definitions", "Monthly femicide bulletins",
                       "Comparable femicide data across countries"],
            "did": ["A femicide observatory in {country} tracks cases from media, police and court records.",
                    "In {country}, the observatory publishes a monthly bulletin on femicides that parliament now uses in budget debates.",
                    "Universities and women's organisations in {country} run the observatory together with the national statistics office."],
            "res": ["The observatory recorded {k2} femicides in {year}; in {pct}% of cases the woman had reported violence before."],
            "les": ["femicide observatories need definitions that are comparable between countries",
                    "combining media, police and court sources finds cases that each source misses on its own",
                    "publishing the data every month keeps femicide on the public agenda"],
            "ask": ["Which definition of femicide does your observatory use?"],
            "chal": ["Court records arrive months late, so the bulletin has to be revised."],
        },
        "es": {"titles": ["Observatorios de feminicidio: fuentes y definiciones", "Boletín mensual de feminicidios"],
               "did": ["El observatorio de feminicidios {in} registra los casos a partir de fuentes judiciales, policiales y de prensa.",
                       "{In}, el boletín mensual del observatorio de feminicidios se usa en los debates del presupuesto.",
                       "{In}, universidades y organizaciones de mujeres gestionan el observatorio junto con el instituto de estadística."],
               "res": ["El observatorio registró {k2} feminicidios en {year}; en el {pct}% de los casos la mujer había denunciado violencia antes."],
               "les": ["es fundamental que los observatorios tengan definiciones comparables entre países",
                       "combinar fuentes de prensa, policía y justicia encuentra casos que cada fuente pierde por separado",
                       "publicar los datos cada mes mantiene el feminicidio en la agenda pública"],
               "ask": ["¿Qué definición de feminicidio usa su observatorio?"],
               "chal": ["Los registros judiciales llegan con meses de retraso y el boletín debe corregirse."]},
        "fr": {"did": ["{In}, l'observatoire des féminicides recense les cas à partir des sources judiciaires et de la presse."],
               "les": ["les observatoires ont besoin de définitions comparables entre pays"]},
        "pt": {"titles": ["Observatórios de feminicídio"],
               "did": ["O observatório de feminicídios {in} acompanha os casos a partir de registos judiciais, policiais e da imprensa."],
               "les": ["os observatórios precisam de definições comparáveis entre países"]},
    },
    "prevalence": {
        "pillar": "Data", "label": "prevalence surveys",
        "en": {
            "titles": ["Prevalence surveys on violence against women", "Safety and ethics in survey fieldwork",
                       "Using survey results for policy"],
            "did": ["In {country}, the national statistics office ran the first prevalence survey on violence against women in {year}.",
                    "In {country}, interviewers were women trained on ethics and safety, and every respondent received a list of services.",
                    "The survey in {country} used a module that allows comparison with other countries in the region."],
            "res": ["The survey found that {pct}% of women had experienced violence by a partner in their lifetime."],
            "les": ["survey results change policy when ministries are involved in designing the questions",
                    "interviewer safety and training must be budgeted as carefully as the sample",
                    "comparable modules let countries learn from each other's trends"],
            "ask": ["How often should a prevalence survey be repeated to see change?"],
            "chal": ["Fieldwork was delayed because interviewers could not travel safely during the rainy season."],
        },
        "es": {"titles": ["Encuestas de prevalencia de violencia"],
               "did": ["{In}, el instituto de estadística realizó en {year} la primera encuesta de prevalencia de violencia contra las mujeres."],
               "res": ["La encuesta mostró que el {pct}% de las mujeres había sufrido violencia de pareja alguna vez."],
               "les": ["los resultados de las encuestas cambian las políticas cuando los ministerios participan en el diseño"]},
        "fr": {"did": ["{In}, l'institut de statistique a réalisé en {year} la première enquête de prévalence sur les violences faites aux femmes."],
               "les": ["les résultats d'enquête changent les politiques lorsque les ministères participent à la conception"]},
        "pt": {"did": ["{In}, o instituto de estatística realizou em {year} o primeiro inquérito de prevalência sobre violência contra as mulheres."],
               "les": ["os resultados dos inquéritos mudam as políticas quando os ministérios participam no desenho"]},
    },
    "funding": {
        "pillar": "Women's movement and civil society", "label": "funding women's organisations",
        "en": {
            "titles": ["Core and flexible funding for women's rights organisations", "Small grants for grassroots groups",
                       "Simplifying donor reporting"],
            "did": ["Core, flexible funding let women's rights organisations in {country} keep their staff through the crisis.",
                    "In {country}, small grants reached grassroots groups led by young women and women with disabilities.",
                    "In {country}, the programme simplified reporting so that small organisations could apply in their own language."],
            "res": ["{k} grassroots organisations received their first institutional grant in {year}.",
                    "{pct}% of the funding went directly to local women's organisations."],
            "les": ["multi-year funding matters more to women's organisations than the size of the grant",
                    "simple application and reporting rules open funding to grassroots groups",
                    "core funding lets organisations respond to crises instead of closing"],
            "ask": ["Which donors offer core funding to small women's organisations?"],
            "chal": ["Many groups could not meet the audit requirements for larger grants."],
        },
        "es": {"titles": ["Financiamiento flexible para organizaciones de mujeres"],
               "did": ["{In}, el financiamiento flexible permitió a las organizaciones de mujeres mantener a su personal durante la crisis."],
               "les": ["el financiamiento plurianual importa más que el monto de la subvención"]},
        "fr": {"did": ["{In}, le financement flexible a permis aux organisations de défense des droits des femmes de garder leur personnel."],
               "les": ["le financement pluriannuel compte plus que le montant de la subvention"]},
        "pt": {"did": ["{In}, o financiamento flexível permitiu às organizações de mulheres manter a sua equipa durante a crise."],
               "les": ["o financiamento plurianual importa mais do que o valor da subvenção"]},
    },
    "networks": {
        "pillar": "Women's movement and civil society", "label": "civil society reference groups and networks",
        "en": {
            "titles": ["Civil society reference groups: making advice count", "Sustaining women's movements after the programme",
                       "Networks of grassroots organisations"],
            "did": ["In {country}, the civil society reference group reviews the programme's work plan and budget every year.",
                    "In {country}, a national network of {k} women's organisations now meets quarterly to agree on joint advocacy.",
                    "In {country}, members of the reference group were paid for their time, which helped younger activists take part."],
            "res": ["The reference group's recommendations changed {k} activities in the {year} work plan."],
            "les": ["reference groups have influence only when their advice is answered in writing",
                    "networks last when they set their own agenda, not the donor's",
                    "paying activists for their time widens who can take part"],
            "ask": ["How do reference groups stay independent while advising the programme?"],
            "chal": ["Members said they were consulted too late to change the budget."],
        },
        "es": {"did": ["{In}, el grupo de referencia de la sociedad civil revisa cada año el plan de trabajo y el presupuesto del programa."],
               "les": ["los grupos de referencia solo tienen influencia cuando sus recomendaciones reciben respuesta por escrito"]},
        "fr": {"did": ["{In}, le groupe de référence de la société civile examine chaque année le plan de travail du programme."],
               "les": ["les réseaux durent lorsqu'ils fixent leur propre agenda"]},
        "pt": {"did": ["{In}, o grupo de referência da sociedade civil revê todos os anos o plano de trabalho do programa."],
               "les": ["as redes duram quando definem a sua própria agenda"]},
    },
}
DATA_TOPICS = ("admin_data", "observatory", "prevalence")

GENERIC = {
    "en": {"open": ["Dear colleagues,", "Hello everyone,", "Greetings from {country}!",
                    "Sharing an experience from {country}.", "", "", ""],
           "reply": ["Thank you for sharing this.", "Thanks for raising this.", "Very useful, thank you.",
                     "This resonates with our experience.", "Great discussion.", "Adding to this thread:", ""],
           "close": ["Happy to share our guidance note with anyone interested.",
                     "I would love to hear how others approach this.", "Comments are welcome.",
                     "We will post the report here once it is published.", "", "", ""],
           "qctx": ["We are starting similar work in {country} this year.", "Our team in {country} is designing this now.",
                    "This is a live question for us in {country}."],
           "short": ["Thank you, this is very helpful for our team in {country}.",
                     "Following this thread with interest from {country}.",
                     "We face the same challenge in {country}. Thanks for the ideas.",
                     "Could you share the toolkit you mentioned? It would help our partners in {country}.",
                     "Very inspiring. Congratulations to the team in {country}!"],
           "cue": ["We learned that {c}.", "A key lesson for us is that {c}.", "What we have seen is that {c}.",
                   "One lesson from our work: {c}.", "Our experience shows that {c}."]},
    "es": {"open": ["Estimadas colegas:", "Saludos desde {country}.", "Hola a todas y todos.",
                    "Compartimos una experiencia desde {country}.", ""],
           "reply": ["Gracias por compartir.", "Muy útil, gracias.", "Coincido con lo planteado.", ""],
           "close": ["Con gusto compartimos la guía con quien la necesite.", "¿Cómo lo han trabajado en otros países?", ""],
           "qctx": ["Estamos empezando un trabajo similar en {country}."],
           "short": ["Gracias, esto es muy útil para nuestro equipo en {country}.",
                     "Seguimos esta discusión con interés desde {country}."],
           "cue": ["Aprendimos que {c}.", "Una lección clave es que {c}.", "Nuestra experiencia muestra que {c}."]},
    "fr": {"open": ["Chères et chers collègues,", "Bonjour à toutes et à tous.", ""],
           "reply": ["Merci pour ce partage.", "Très utile, merci.", ""],
           "close": ["Nous pouvons partager notre guide si cela vous intéresse.", "Comment faites-vous dans vos pays ?", ""],
           "qctx": ["Nous commençons un travail similaire {in}."],
           "short": ["Merci, c'est très utile pour notre équipe {in}.", "Nous suivons cette discussion avec intérêt {in}."],
           "cue": ["Nous avons appris que {c}.", "Une leçon clé est que {c}.", "Notre expérience montre que {c}."]},
    "pt": {"open": ["Caras e caros colegas,", "Olá a todas e todos.", ""],
           "reply": ["Obrigada pela partilha.", "Muito útil, obrigado.", ""],
           "close": ["Podemos partilhar o nosso guia com quem tiver interesse.", "Como têm trabalhado isto noutros países?", ""],
           "qctx": ["Estamos a começar um trabalho semelhante {in}."],
           "short": ["Obrigada, isto é muito útil para a nossa equipa {in}.", "Acompanhamos esta discussão com interesse {in}."],
           "cue": ["Aprendemos que {c}.", "Uma lição importante é que {c}.", "A nossa experiência mostra que {c}."]},
}
AR_OPEN = ["مرحباً بالجميع.", "شكراً على هذه المشاركة.", "تحية من فريقنا.", ""]
AR_CLOSE = ["يسعدنا مشاركة الدليل مع من يرغب.", "نرحب بتجاربكم.", "سنشارك التقرير هنا عند نشره.", ""]
COMMUNITIES = {"Africa": "Africa community of practice", "Latin America": "Latin America and Caribbean community of practice",
               "Caribbean": "Latin America and Caribbean community of practice", "Asia": "Asia and the Pacific community of practice",
               "Pacific": "Asia and the Pacific community of practice", "Arab States": "Arab States community of practice",
               "Europe and Central Asia": "Europe and Central Asia community of practice"}

# Personal data planted in ~5% of posts. Phone numbers in the formats people really type.
PHONES = {"Africa": ["+254 712 345678", "0712 345 678", "+265 991 234 567"],
          "Latin America": ["+52 55 5555 0142", "+55 21 98765-4321"],
          "Caribbean": ["(876) 555-0142", "+1 868 555 0199"],
          "Asia": ["+63 917 555 0123", "+977 980 1234567"],
          "Pacific": ["+679 331 2345", "+685 72 12345"],
          "Arab States": ["+962 7 9123 4567"],
          "Europe and Central Asia": ["+996 555 123 456"]}
PII_EN = ["You can reach me at {email} or on {phone}.", "Call our office on {phone} for a copy of the toolkit.",
          "Follow our campaign at {handle}.", "My colleague {member} led this work and can share the protocol.",
          "Write to me: {obf}", "Photos from the training are on my page {url}",
          "Thank you {first}, your post was really helpful.", "Feel free to WhatsApp me on {phone}.",
          "Contact {member} at {email} for the training materials."]
PII_ES = ["Pueden escribirme a {email} o llamar al {phone}.", "Mi colega {member} coordinó este trabajo.",
          "Escríbanme: {obf}", "Sigan la campaña en {handle}."]
PII_FR = ["Vous pouvez me joindre au {phone} ou à {email}.", "Ma collègue {member} peut partager le protocole."]
PII_PT = ["Podem contactar-me pelo {phone} ou {email}.", "A minha colega {member} pode partilhar o protocolo."]


# ------------------------------------------------------------------------------------------
# Helpers


def days_in(month: str) -> int:
    y, m = map(int, month.split("-"))
    return calendar.monthrange(y, m)[1]


def country_phrase(lang: str, country: str) -> tuple[str, str, str]:
    """(name, 'In X', 'in X') for `country` in `lang` (English wording when not localised)."""
    if lang == "es":
        name = LOCAL["es"].get(country, country)
        return name, f"En {name}", f"en {name}"
    if lang in ("fr", "pt") and country in LOCAL[lang]:
        name, phrase = LOCAL[lang][country]
        return name, phrase[0].upper() + phrase[1:], phrase
    if lang in ("fr", "pt"):
        word = "en" if lang == "fr" else "em"
        return country, f"{word.capitalize()} {country}", f"{word} {country}"
    return country, f"In {country}", f"in {country}"


def country_col(country: str) -> str:
    """The country as an export column holds it ('the Philippines' -> 'Philippines')."""
    return country.removeprefix("the ")


def fill(template: str, rng: random.Random, lang: str, country: str) -> str:
    name, In, in_ = country_phrase(lang, country)
    year = rng.randint(2019, 2025)
    lo, hi = rng.randint(8, 30), rng.randint(45, 82)
    slots = {"country": name, "In": In, "in": in_, "year": str(year), "year2": str(min(2026, year + rng.randint(1, 3))),
             "k": str(rng.randint(3, 40)), "k2": str(rng.randint(45, 160)),
             "n": f"{rng.randint(30, 1500) * 10:,}", "pct": str(rng.randint(12, 68)), "lo": str(lo), "hi": str(hi),
             "small": rng.choice(["0.3", "0.6", "0.8", "1.2"]), "in_ar": "في " + ARABIC_COUNTRIES.get(country, "بلدنا")}
    out = template
    for key, val in slots.items():
        out = out.replace("{" + key + "}", val)
    return out


def bank(topic: str, lang: str) -> dict:
    return TOPICS[topic].get(lang) or TOPICS[topic]["en"]


def pick(rng: random.Random, items: list[str] | None) -> str:
    return rng.choice(items) if items else ""


# ------------------------------------------------------------------------------------------
# Members


def make_members(rng: random.Random) -> list[dict]:
    members: list[dict] = []
    seen: set[str] = set()
    for region, n in MEMBERS_PER_REGION.items():
        pairs = [(f, l) for f in FIRST[region] for l in LAST[region]]
        rng.shuffle(pairs)
        for f, l in pairs[:n]:
            name = f"{f} {l}"
            if name in seen:
                continue
            seen.add(name)
            country = rng.choice([c for c in REGIONS[region] if c != "Namibia"])
            lang, p = COUNTRY_LANG.get(country, ("en", 0.0))
            members.append({"name": name, "first": f, "last": l, "region": region, "country": country,
                            "lang": lang if rng.random() < p else "en",
                            "arabic": country in ARABIC_COUNTRIES and rng.random() < 0.6,
                            "weight": 0.0, "profile_blank": False})
    order = list(range(len(members)))
    rng.shuffle(order)
    for rank, i in enumerate(order, start=1):  # a few very active members, a long tail
        members[i]["weight"] = 0.3 + 1.0 / rank ** 0.8
        members[i]["profile_blank"] = rank > 60 and rng.random() < 0.06  # region and country not filled in
    return members


# ------------------------------------------------------------------------------------------
# Posts


def compose(rng: random.Random, kind: str, topic: str, lang: str, country: str) -> str:
    """One post body: a few sentences from the topic's bank in `lang`, in the shape of `kind`."""
    b, g = bank(topic, lang), GENERIC[lang]
    used: set[str] = set()

    def pick(rng: random.Random, items: list[str] | None) -> str:  # no sentence twice in a post
        fresh = [x for x in items or [] if x not in used or not x]
        choice = rng.choice(fresh) if fresh else ""
        used.add(choice)
        return choice

    def f(t: str) -> str:
        return fill(t, rng, lang, country)

    def lesson() -> str:
        c = pick(rng, b.get("les"))
        return f(rng.choice(g["cue"]).replace("{c}", c)) if c else ""

    parts: list[str] = []
    if kind == "share":
        parts = [f(pick(rng, g["open"])), f(pick(rng, b["did"])),
                 f(pick(rng, b.get("res"))) if rng.random() < 0.65 else "",
                 f(pick(rng, b.get("chal"))) if rng.random() < 0.3 else "",
                 lesson() if rng.random() < 0.8 else "", f(pick(rng, g["close"])) if rng.random() < 0.5 else ""]
    elif kind == "question":
        parts = [f(pick(rng, g["open"])), f(pick(rng, g["qctx"])), f(pick(rng, b.get("ask") or TOPICS[topic]["en"]["ask"]))]
        if lang != "en" and "ask" not in b:
            parts = [f(pick(rng, g["open"])), f(pick(rng, b["did"])), lesson()]
    elif kind == "lesson":
        parts = [lesson(), f(pick(rng, b["did"])), f(pick(rng, b.get("res"))) if rng.random() < 0.5 else ""]
    elif kind == "reply":
        parts = [f(pick(rng, g["reply"])), f(pick(rng, b["did"])) if rng.random() < 0.7 else f(pick(rng, b.get("res"))),
                 f(pick(rng, b.get("res"))) if rng.random() < 0.3 else "",
                 lesson() if rng.random() < 0.65 else f(pick(rng, b.get("ask")))]
    elif kind == "challenge":
        chal = b.get("chal") or []
        parts = [f(pick(rng, g["reply"])), f(pick(rng, chal)) if chal else f(pick(rng, b["did"])),
                 lesson() if rng.random() < 0.5 else f(pick(rng, b.get("ask")))]
    elif kind == "short":
        parts = [f(pick(rng, g["short"]))]
    parts = [p for p in parts if p]
    if len(parts) < 2 and kind != "short":  # a bank without results or questions in this language
        parts.append(f(pick(rng, b["did"])))
    if len(parts) >= 3 and (parts[0].endswith((",", ":")) or rng.random() < 0.25):  # a line after the greeting
        return parts[0] + ("\n" if parts[0].endswith(",") else "\n\n") + " ".join(parts[1:])
    return " ".join(parts)


def plan_threads(rng: random.Random, mi: int) -> list[tuple[str, str, bool]]:
    """(region, topic, planted) for every thread of month `mi`: the trend-carrying threads in
    fixed numbers, the rest drawn at random among the other topics."""
    regions, rw = list(REGION_WEIGHT), list(REGION_WEIGHT.values())
    not_latam = [r for r in regions if r != "Latin America"]
    plan = [("Latin America", rng.choice(DATA_TOPICS), True) for _ in range(LATAM_DATA_THREADS[mi])]
    plan += [(rng.choice(not_latam), rng.choice(DATA_TOPICS), True) for _ in range(OTHER_DATA_THREADS[mi])]
    plan += [(rng.choices(regions, rw)[0], "police", True) for _ in range(POLICE_THREADS[mi])]
    plan += [(rng.choices(regions, rw)[0], "online", True) for _ in range(ONLINE_THREADS[mi])]
    others = [t for t in TOPICS if t not in (*DATA_TOPICS, "police", "online")]
    plan += [(rng.choices(regions, rw)[0], rng.choice(others), False)
             for _ in range(THREADS_PER_MONTH[mi] - len(plan))]
    rng.shuffle(plan)
    return plan


ARABIC_POSTS = 9  # a few right-to-left posts, no more


def post_language(rng: random.Random, member: dict, thread_lang: str, topic: str, arabic_left: int = 0) -> str:
    if arabic_left > 0 and member["arabic"] and "ar" in TOPICS[topic] and rng.random() < 0.5:
        return "ar"
    lang = member["lang"]
    if lang != "en" and thread_lang == "en" and rng.random() < 0.4:
        return "en"  # joining an English thread in English
    return lang


def make_posts(rng: random.Random, members: list[dict]) -> list[dict]:
    by_region = {r: [m for m in members if m["region"] == r] for r in REGIONS}
    posts: list[dict] = []
    tid = 4100

    def member_in(region: str | None) -> dict:
        pool = by_region[region] if region else members
        return rng.choices(pool, weights=[m["weight"] for m in pool])[0]

    def stamp(month: str, day: int, hour: float) -> dt.datetime:
        y, m = map(int, month.split("-"))
        t = dt.datetime(y, m, 1) + dt.timedelta(days=day - 1, hours=hour)
        end = dt.datetime(y, m, days_in(month), 23, 59)
        return min(t, end - dt.timedelta(minutes=rng.randint(1, 600)))

    def add(thread: int, title: str, body: str, when: dt.datetime, m: dict, lang: str, community: str,
            reply: bool) -> dict:
        consent = rng.random()
        row = {"thread": thread, "title": ("Re: " if reply else "") + title, "body": body, "date": when,
               "member": m["name"], "region": "" if m["profile_blank"] else m["region"],
               "country": "" if m["profile_blank"] else country_col(m["country"]),
               "lang": "" if rng.random() < 0.05 else lang, "lang_real": lang, "community": community,
               "quote": "Yes" if consent < 0.6 else ("No" if consent < 0.97 else ""),
               "topic": None, "_m": m}
        posts.append(row)
        return row

    # a welcome thread opens the hub in May: short introductions (one says "NA": Namibia)
    tid += 1
    mod = {"name": "Hub Moderator", "region": "", "country": "", "profile_blank": True, "lang": "en"}
    welcome = add(tid, "Introduce yourself: where are you joining from?",
                  "Welcome to the knowledge exchange hub! Please introduce yourself: where are you joining from, "
                  "and what does your team work on?", dt.datetime(2026, 5, 1, 8, 0), mod, "en", "Global hub", False)
    welcome["id"] = "007"  # imported from the old forum: the id must stay "007"
    hello_topics = ["shelters", "helplines", "school programmes", "data on violence", "law reform", "funding for women's groups"]
    for i, m in enumerate(rng.sample(members, 14)):
        text = (f"Greetings from {m['country']}! I work on {rng.choice(hello_topics)} with "
                f"{rng.choice(['a women’s rights organisation', 'the ministry of gender', 'a UN agency', 'a university', 'a shelter network'])}.")
        add(tid, "Introduce yourself: where are you joining from?", text,
            dt.datetime(2026, 5, 1, 9, 0) + dt.timedelta(hours=5 * i + rng.randint(0, 4)), m, "en", "Global hub", True)
    na = add(tid, "Introduce yourself: where are you joining from?", "NA", dt.datetime(2026, 5, 2, 22, 41),
             member_in("Africa"), "en", "Global hub", True)
    na.update({"country": "Namibia", "region": "Africa", "lang": "", "plant": "na"})

    for mi, month in enumerate(MONTHS):
        for region, topic, planted in plan_threads(rng, mi):
            tid += 1
            starter = member_in(region)
            lang = post_language(rng, starter, "en", topic)
            if lang == "ar":
                lang = "en"
            title = fill(pick(rng, bank(topic, lang).get("titles") or TOPICS[topic]["en"]["titles"]), rng, lang,
                         starter["country"])
            community = ("Global hub" if rng.random() < 0.55 else
                         ("Civil society space" if TOPICS[topic]["pillar"].startswith("Women") else COMMUNITIES[region]))
            day = rng.randint(1, days_in(month) - 2)
            when = stamp(month, day, rng.uniform(6, 20))
            kind = rng.choices(["share", "question", "lesson"], weights=[0.5, 0.3, 0.2])[0]
            row = add(tid, title, compose(rng, kind, topic, lang, starter["country"]), when, starter, lang, community, False)
            row["topic"] = topic
            hours = 0.0
            same_region = 0.9 if planted and region == "Latin America" else 0.55
            for _r in range(5 if planted else rng.randint(2, 7)):
                hours += rng.expovariate(1 / 14)
                m = member_in(region if rng.random() < same_region else None)
                plang = post_language(rng, m, lang, topic, ARABIC_POSTS - sum(p["lang_real"] == "ar" for p in posts))
                if plang == "ar":
                    body = " ".join(x for x in (rng.choice(AR_OPEN), fill(rng.choice(TOPICS[topic]["ar"]), rng, "ar", m["country"]),
                                                rng.choice(AR_CLOSE)) if x)
                else:
                    rkind = rng.choices(["reply", "challenge", "short", "question"], weights=[0.6, 0.15, 0.2, 0.05])[0]
                    body = compose(rng, rkind, topic, plang, m["country"])
                r = add(tid, title, body, stamp(month, day, when.hour + hours), m, plang, community, True)
                r["topic"] = topic
    dedupe(rng, posts)
    return posts


def dedupe(rng: random.Random, posts: list[dict]) -> None:
    """Two posts with the same author, subject and text would be merged as duplicates: only
    the planted duplicates may be, so make any accidental twin differ by a closing sentence."""
    seen: set[tuple[str, str, str]] = set()
    for p in posts:
        key = (p["member"], p["title"], " ".join(p["body"].split()))
        while key in seen:
            lang = p["lang_real"]
            extra = rng.choice(AR_CLOSE[:3]) if lang == "ar" else \
                fill(rng.choice([c for c in GENERIC[lang]["close"] + GENERIC[lang]["short"] if c]), rng, lang,
                     p["_m"].get("country") or "Kenya")
            p["body"] = p["body"] + " " + extra
            key = (p["member"], p["title"], " ".join(p["body"].split()))
        seen.add(key)


def plant_pii(rng: random.Random, posts: list[dict], members: list[dict]) -> list[int]:
    """Append contact details, handles, personal URLs, other members' names and small places to ~5% of posts."""
    candidates = [i for i, p in enumerate(posts) if p.get("topic") and p["lang_real"] in ("en", "es", "fr", "pt")]
    chosen = sorted(rng.sample(candidates, 78))
    templates = {"en": PII_EN, "es": PII_ES, "fr": PII_FR, "pt": PII_PT}
    nth: dict[str, int] = {}  # counters: every template and every variant is used, in turn

    def turn(key: str, options: list[str]) -> str:
        nth[key] = nth.get(key, -1) + 1
        return options[nth[key] % len(options)]

    for j, i in enumerate(chosen):
        p = posts[i]
        m = p["_m"]
        first, last = m["first"].lower(), m["last"].lower()
        ascii_first = first.translate(str.maketrans("áéíóúñç", "aeiounc"))
        ascii_last = last.translate(str.maketrans("áéíóúñçè", "aeiounce"))
        other = rng.choice([x for x in members if x["name"] != m["name"]])
        region = m["region"] or "Africa"
        if j % 13 == 12:  # a small place named in the text: identifying in a small community
            extra = turn("place", [f"In {PLACES[0]} village, three survivors came forward after the community dialogue.",
                                   f"The mobile clinic now visits {PLACES[1]} every Tuesday.",
                                   f"Women from {PLACES[2]} walked two hours to reach the meeting."])
        else:
            t = turn(p["lang_real"], templates[p["lang_real"]])
            extra = t.format(
                email=turn("email", [f"{ascii_first}.{ascii_last}@example.org", f"{ascii_first}@example.net",
                                     f"{ascii_last}.{ascii_first}@mail.example.com"]) if "{email}" in t else "",
                obf=turn("obf", [f"{ascii_first}.{ascii_last} at gmail dot com",
                                 f"{ascii_first} [at] example [dot] org"]) if "{obf}" in t else "",
                phone=turn("phone" + region, PHONES[region]) if "{phone}" in t else "",
                handle=f"@{ascii_first}_{ascii_last}",
                url=turn("url", [f"https://www.facebook.com/{ascii_first}.{ascii_last}",
                                 f"https://instagram.com/{ascii_first}_{ascii_last}",
                                 f"https://www.linkedin.com/in/{ascii_first}-{ascii_last}-4a21",
                                 f"https://example.org/~{ascii_first}"]) if "{url}" in t else "",
                member=other["name"], first=other["first"])
        p["body"] = p["body"] + " " + extra
        p["plant"] = "pii"
    return chosen


def write_posts(rng: random.Random, posts: list[dict], path: Path) -> dict:
    """Sort, number, plant the bad rows, write the export. Returns what was planted (for the docs)."""
    posts.sort(key=lambda p: (p["date"], p["thread"]))
    n = 100100
    for p in posts:
        if p.get("id") != "007":
            n += 1
            p["id"] = str(n)
    free = [i for i, p in enumerate(posts) if p.get("topic") and not p.get("plant") and p["lang"] == "en"]
    picks = rng.sample(free, 10)
    planted: dict[str, list[str]] = {}

    def mark(i: int, what: str) -> dict:
        posts[i]["plant"] = what
        planted.setdefault(what, []).append(posts[i]["id"])
        return posts[i]

    mark(picks[0], "empty")["body"] = ""
    mark(picks[1], "empty")["body"] = "   "
    mark(picks[2], "emoji")["body"] = "🙏🙏🙏"
    mark(picks[3], "bad_date")["date_text"] = "31/02/2026 10:00"
    mark(picks[4], "xss")["body"] += " Here is our campaign poster: <img src=x onerror=alert(1)>"
    mark(picks[5], "xss")["body"] = "Testing the new editor <script>alert(1)</script> sorry, please ignore this post."
    planted["na"] = [p["id"] for p in posts if p.get("plant") == "na"]
    planted["id_007"] = ["007"]
    rows = []
    for p in posts:
        rows.append({"Post ID": p["id"], "Thread": str(p["thread"]), "Subject": p["title"], "Body": p["body"],
                     "Posted (UTC)": p.get("date_text") or p["date"].strftime("%d/%m/%Y %H:%M"),
                     "Member": p["member"], "Region": p["region"], "Country": p["country"], "Lang": p["lang"],
                     "Community": p["community"], "May quote": p["quote"]})
    # export glitches: three rows repeated verbatim, one post exported twice after an edit
    edited = dict(rows[picks[9]])
    edited["Body"] += " [Edited to add: the guidance note is now on the resources page.]"
    later = rows[min(len(rows) - 1, picks[9] + 40)]["Post ID"]
    for i in sorted(picks[6:9], reverse=True):  # back to front: earlier positions stay valid
        rows.insert(i + 1, dict(rows[i]))
        planted.setdefault("exact_duplicate", []).append(rows[i]["Post ID"])
    at = next(j for j, r in enumerate(rows) if r["Post ID"] == later)
    rows.insert(at + 1, edited)
    planted["duplicate_id_different_text"] = [edited["Post ID"]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    planted["rows"] = [str(len(rows))]
    return planted


# ------------------------------------------------------------------------------------------
# Survey

ITEMS = ["The session was relevant to my work", "I will apply what I learned", "Interpretation met my needs",
         "The time allowed for discussion was enough", "I would recommend the series to colleagues"]
LIKERT = {"en": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree", "Don't know"],
          "es": ["Totalmente en desacuerdo", "En desacuerdo", "Ni de acuerdo ni en desacuerdo", "De acuerdo",
                 "Totalmente de acuerdo", "No sé"],
          "fr": ["Pas du tout d'accord", "Pas d'accord", "Ni d'accord ni pas d'accord", "D'accord",
                 "Tout à fait d'accord", "Je ne sais pas"],
          "pt": ["Discordo totalmente", "Discordo", "Não concordo nem discordo", "Concordo", "Concordo totalmente",
                 "Não sei"]}
LANG_LABEL = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português"}
SAME = [0.03, 0.07, 0.17, 0.43, 0.30]  # items with no real difference between the webinars
INTERP = {1: [0.14, 0.26, 0.27, 0.22, 0.11], 2: [0.03, 0.07, 0.15, 0.40, 0.35]}  # interpretation got better
USEFUL = {
    "peer": {"en": ["Hearing from peers in other regions who face the same challenges.",
                    "The exchange with colleagues from other countries.",
                    "Talking to other practitioners in the breakout rooms.",
                    "Learning how other teams solved problems similar to ours.",
                    "Connecting with people doing the same work in {region}."],
             "es": ["El intercambio con colegas de otros países.", "Escuchar a pares de otras regiones con los mismos desafíos."],
             "fr": ["L'échange avec des collègues d'autres pays.", "Les discussions entre pairs en petits groupes."],
             "pt": ["A troca de experiências com colegas de outros países."]},
    "tools": {"en": ["The practical toolkit on {tool}.", "The checklist on {tool} that we can use right away.",
                     "Concrete tools, especially the guidance on {tool}."],
              "es": ["Las herramientas prácticas sobre rutas de derivación.", "La guía práctica sobre planes de seguridad."],
              "fr": ["Les outils pratiques sur les circuits d'orientation."],
              "pt": ["As ferramentas práticas sobre encaminhamento de casos."]},
    "cases": {"en": ["The case study from {country} on {topic}.", "Real examples from {country}.",
                     "Seeing how {country} set up {topic}."],
              "es": ["Los casos concretos de otros países.", "El ejemplo de {country} sobre el observatorio de feminicidios."],
              "fr": ["Les exemples concrets d'autres pays."],
              "pt": ["Os exemplos concretos de outros países."]},
    "survivors": {"en": ["Hearing directly from survivor advocates.", "The survivor-centred approach in every presentation."],
                  "es": ["Escuchar directamente a las sobrevivientes."], "fr": ["Entendre directement les survivantes."],
                  "pt": ["Ouvir diretamente as sobreviventes."]},
}
IMPROVE = {
    "interpretation": {"en": ["Interpretation into {lang} for all sessions.",
                              "The interpretation was hard to follow; please use professional interpreters.",
                              "Provide the slides in Spanish and French, not only English.",
                              "Add sign language interpretation."],
                       "es": ["Interpretación simultánea en todas las sesiones.", "Materiales en español, no solo en inglés."],
                       "fr": ["Interprétation en français pour toutes les sessions.", "Les documents en français."],
                       "pt": ["Interpretação em português em todas as sessões."]},
    "time_zone": {"en": ["The session was at 3 a.m. for us; please rotate time zones.",
                         "Schedule sessions at a time that works for Asia and the Pacific.",
                         "Consider the time zones of participants in the Pacific."],
                  "es": ["Un horario más adecuado para América Latina."], "fr": ["Un horaire adapté à l'Afrique de l'Ouest."],
                  "pt": ["Um horário melhor para quem está em Timor-Leste."]},
    "regional": {"en": ["More examples from {region}.", "More cases from small island states.",
                        "Include more experiences from the Arab States region."],
                 "es": ["Más casos de América Latina."], "fr": ["Plus d'exemples d'Afrique francophone."],
                 "pt": ["Mais exemplos dos países de língua portuguesa."]},
    "time": {"en": ["More time for questions and discussion.", "Longer breakout sessions.",
                    "Fewer presentations and more discussion."],
             "es": ["Más tiempo para preguntas."], "fr": ["Plus de temps pour les questions."],
             "pt": ["Mais tempo para perguntas."]},
    "materials": {"en": ["Share the slides and the recording after the session.", "Send the agenda and materials in advance."],
                  "es": ["Compartir las presentaciones antes de la sesión."], "fr": ["Envoyer les documents à l'avance."],
                  "pt": ["Enviar os materiais com antecedência."]},
}
IMPROVE_W = {1: {"interpretation": 0.38, "time_zone": 0.18, "regional": 0.18, "time": 0.16, "materials": 0.10},
             2: {"interpretation": 0.07, "time_zone": 0.26, "regional": 0.27, "time": 0.25, "materials": 0.15}}
TOOLS = ["referral pathways", "safety planning", "costing the national action plan", "survivor-centred interviewing",
         "data sharing protocols"]
CASE_TOPICS = ["one-stop centres", "the femicide observatory", "school programmes", "the helpline"]


def _exact_draw(rng: random.Random, n: int, probs: list[float]) -> list[int]:
    """n answers 1-5 in proportions `probs` (largest-remainder rounding), shuffled."""
    raw = [p * n for p in probs]
    counts = [int(x) for x in raw]
    for i in sorted(range(5), key=lambda i: raw[i] - counts[i], reverse=True)[: n - sum(counts)]:
        counts[i] += 1
    out = [v + 1 for v, c in enumerate(counts) for _ in range(c)]
    rng.shuffle(out)
    return out


def write_survey(rng: random.Random, members: list[dict], path: Path) -> None:
    n_wave = {1: 104, 2: 96}
    groups = ["UN", "Government", "Civil society", "Academia"]
    rows = []
    rid = 48213000
    for wave, n in n_wave.items():
        month = "2026-06" if wave == 1 else "2026-09"
        scores = {item: _exact_draw(rng, n, INTERP[wave] if item == ITEMS[2] else SAME) for item in ITEMS}
        donors = {3, 57} if wave == 1 else {40}
        for i in range(n):
            rid += 1
            region = rng.choices(list(REGION_WEIGHT), weights=list(REGION_WEIGHT.values()))[0]
            country = rng.choice([c for c in REGIONS[region] if c != "Namibia"])
            lang0, p = COUNTRY_LANG.get(country, ("en", 0.0))
            lang = lang0 if rng.random() < min(0.9, p + 0.15) else "en"
            day = rng.randint(10, 26) if wave == 1 else rng.randint(8, 25)
            y, m = map(int, month.split("-"))
            sub = dt.datetime(y, m, day, rng.randint(7, 21), rng.randint(0, 59), rng.randint(0, 59))
            started = sub - dt.timedelta(minutes=rng.randint(3, 25), seconds=rng.randint(0, 59))
            hours = rng.choice([-6, -5, 0, 1, 3, 12])  # the respondent's device clock
            offset = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"
            local = dt.timedelta(hours=hours)
            labels = LIKERT[lang]
            row = {"start": (started + local).strftime("%Y-%m-%dT%H:%M:%S.000") + offset,
                   "end": (sub + local).strftime("%Y-%m-%dT%H:%M:%S.000") + offset,
                   "Event": "Webinar 1 (June)" if wave == 1 else "Webinar 2 (September)",
                   "Which best describes your organisation?": "Donor" if i in donors else rng.choices(groups, [0.3, 0.25, 0.33, 0.12])[0],
                   "Region": region, "Country": country_col(country) if rng.random() < 0.8 else "", "Language": LANG_LABEL[lang]}
            for item in ITEMS:
                r = rng.random()
                if r < 0.05:
                    row[item] = labels[5]  # don't know: kept apart, never neutral
                elif r < 0.08:
                    row[item] = ""
                else:
                    row[item] = labels[scores[item][i] - 1]
            theme = rng.choices(list(USEFUL), weights=[0.36, 0.3, 0.24, 0.1])[0]
            ans = rng.choice(USEFUL[theme].get(lang) or USEFUL[theme]["en"])
            row["What was most useful?"] = ans.format(region=region, country=rng.choice(["Jamaica", "Kenya", "Mexico", "Samoa", "Nepal"]),
                                                      tool=rng.choice(TOOLS), topic=rng.choice(CASE_TOPICS)) if rng.random() < 0.9 else ""
            theme = rng.choices(list(IMPROVE_W[wave]), weights=list(IMPROVE_W[wave].values()))[0]
            ans = rng.choice(IMPROVE[theme].get(lang) or IMPROVE[theme]["en"])
            row["What should we improve?"] = ans.format(region=region, lang=rng.choice(["French", "Portuguese", "Arabic", "Spanish"])) \
                if rng.random() < 0.82 else ""
            row["May we quote your comments anonymously?"] = "Yes" if rng.random() < 0.55 else "No"
            row.update({"_id": str(rid), "_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "_submission_time": sub.strftime("%Y-%m-%dT%H:%M:%S"), "_status": "submitted_via_web"})
            rows.append(row)
    # personal data in open answers too
    speaker = rng.choice(members)
    rows[17]["What was most useful?"] = f"The presentation by {speaker['name']} on the helpline."
    rows[121]["What should we improve?"] = "Please send the slides to nadia.k@example.org, I could not download them."
    rows[150]["What should we improve?"] = "Interpretation was weak. Call me on +1 868 555 0199 if you need volunteers."
    rows.sort(key=lambda r: r["_submission_time"])
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # Kobo/Excel-style: UTF-8 with BOM
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


# ------------------------------------------------------------------------------------------
# Findings and lessons: five lessons per sub-topic; findings paraphrase, combine or contradict them.
# Link patterns per sub-topic (c1..c5):  A: c1+c2 one finding, c3 one, c4 contradicted, c5 none
#                                        B: c1+c2 one finding, c3 one, c4 one, c5 none
#                                        C: each lesson its own finding

LESSON_TYPE_LABEL = {"lesson_learned": "Lesson learned", "good_practice": "Good practice",
                     "promising_practice": "Promising practice", "innovation": "Innovation"}
PILLAR_ID = {"Laws and policies": 1, "Institutions": 2, "Prevention": 3, "Services": 4, "Data": 5,
             "Women's movement and civil society": 6}
REGION_OF = {c: r for r, cs in REGIONS.items() for c in cs}
# topic: (pattern, [(type, country, title, lesson text, finding text or None)] * 5, double finding, contradiction)
EVIDENCE: dict[str, tuple] = {
    "law_reform": ("A", [
        ("lesson_learned", "Uganda", "Budget the law together with the law",
         "In Uganda, amendments to the domestic violence act were passed together with a costed implementation plan. Partners learned that law reform changes women's lives only when the budget for courts, police and services is agreed at the same time as the law.", None),
        ("good_practice", "Ecuador", "Survivors' organisations in the drafting committee",
         "In Ecuador, survivors' organisations sat on the drafting committee of the comprehensive law on violence against women. Their experience of the justice system made the provisions on protection measures far more practical.", None),
        ("lesson_learned", "Liberia", "Train the justice sector as soon as the law passes",
         "In Liberia, magistrates and prosecutors were trained within six months of the new sexual offences provisions coming into force. Early training avoided the usual years-long gap between a law on paper and its use in court.",
         "Magistrates interviewed in Liberia applied the new sexual offences provisions correctly in most of the cases reviewed, which they attributed to training received shortly after the law entered into force."),
        ("promising_practice", "Honduras", "Specialised courts for violence against women",
         "In Honduras, specialised courts for violence against women were created under the reformed law. Cases are expected to be resolved faster because judges and staff focus on these cases only.", None),
        ("innovation", "Timor-Leste", "Plain-language and audio guides to the law",
         "In Timor-Leste, the programme produced plain-language and audio guides to the domestic violence law in Tetum and Portuguese, distributed through community radio and village councils.", None)],
        "New legislation was applied faster where a costed implementation plan was adopted alongside it, and where organisations of survivors helped write the provisions on protection orders.",
        "In Honduras, the specialised courts did not shorten proceedings: in 2024 the average case still took more than 14 months, and backlogs grew because only two courts were staffed."),
    "budgeting": ("B", [
        ("good_practice", "Mexico", "Budget tags for spending on ending violence",
         "In Mexico, the finance ministry introduced budget tags that mark every programme line contributing to ending violence against women, so that allocations and spending can be tracked each year.", None),
        ("lesson_learned", "Malawi", "Cost the national action plan",
         "In Malawi, the national action plan on gender-based violence was costed for the first time. A plan without a costed budget stays on paper; with one, line ministries could defend their allocations.", None),
        ("lesson_learned", "Trinidad and Tobago", "Budget literacy for civil society",
         "In Trinidad and Tobago, women's organisations were trained to read budget documents and tracked the allocations for shelters. Budget advocacy worked best when civil society could analyse the figures themselves.",
         "Women's organisations in Trinidad and Tobago used their own analysis of the budget to argue for shelter funding, and the evaluation credits this capacity with the increase in allocations in 2024."),
        ("promising_practice", "Kyrgyzstan", "Municipal reports on spending",
         "In Kyrgyzstan, pilot municipalities publish an annual report on what they spend on prevention and response, which local councils debate in open sessions.",
         "Pilot municipalities in Kyrgyzstan now report every year on their spending for prevention and response services, and councils discussed these reports in public sessions."),
        ("lesson_learned", "Samoa", "Protect allocations in a fiscal crisis",
         "In Samoa, allocations for survivor services were protected during the fiscal crisis because they were written into the medium-term expenditure framework rather than the annual budget alone.", None)],
        "Tagging budget lines made public spending on violence prevention and response visible for the first time, and the costed action plan helped ministries secure their allocations in the national budget.",
        None),
    "police": ("A", [
        ("good_practice", "Grenada", "Gender-based violence in the police academy curriculum",
         "In Grenada, survivor-centred response to gender-based violence became part of the police academy's basic curriculum for all recruits, rather than a one-off workshop for a few officers.", None),
        ("lesson_learned", "Nepal", "Senior commanders in the training room",
         "In Nepal, senior commanders attended the same training as their officers. Officers changed how they responded to domestic violence calls when they saw that their superiors took the issue seriously.", None),
        ("good_practice", "Mozambique", "Private rooms and female officers",
         "In Mozambique, specialised police units take statements in private rooms, with a female officer available on each shift. More women now report, and fewer withdraw their complaints.",
         "Survivors interviewed in Mozambique said that being heard in a private room by a woman officer made them more willing to pursue their complaint; withdrawals fell by about a third."),
        ("promising_practice", "Papua New Guinea", "A gender desk in every police station",
         "In Papua New Guinea, a gender desk was set up in each police station of the target provinces to receive complaints from women and girls.", None),
        ("lesson_learned", "Argentina", "Repeat the training after rotation",
         "In Argentina, provincial police repeat the gender training every year because rotation moves trained officers out of the specialised units.", None)],
        "Making survivor-centred policing part of the academy's standard curriculum, with senior commanders trained alongside their officers, led to more consistent handling of domestic violence reports.",
        "In Papua New Guinea, most of the gender desks visited were closed or unstaffed; the officers assigned to them had been moved to other duties, and women continued to be turned away."),
    "coordination": ("B", [
        ("good_practice", "Jamaica", "Interagency committees with government and civil society",
         "In Jamaica, the programme set up interagency committees and pillar sub-committees in which government and civil society partners take part. The committees fostered stronger partnerships and more coherent work across agencies.", None),
        ("lesson_learned", "Belize", "Steady dialogue builds government ownership",
         "In Belize, a year of steady communication about the programme's added value led the government to take the lead in planning, which supports long-term continuity.", None),
        ("lesson_learned", "Zimbabwe", "A secretariat keeps coordination alive",
         "In Zimbabwe, the national coordination mechanism kept meeting monthly because it had a secretariat with two dedicated staff. Without staff, similar bodies stopped meeting after a year.",
         "Coordination structures with dedicated secretariat staff, as in Zimbabwe, continued to function throughout the programme, while those without staff lapsed."),
        ("innovation", "Honduras", "An interagency toolbox",
         "In Honduras, agencies pooled their communication products and tools in a shared interagency toolbox, reducing duplication and making materials available across the region.",
         "In Honduras, the shared toolbox of communication materials reduced duplicated products among agencies, according to the staff interviewed."),
        ("good_practice", "Tajikistan", "District referral committees",
         "In Tajikistan, district committees bring local government, health workers, police and women's groups together every quarter to review referral cases.", None)],
        "Joint committees bringing ministries, UN agencies and civil society together improved the coherence of the work, and sustained dialogue with government built national ownership of the programme.",
        None),
    "schools": ("A", [
        ("good_practice", "the Philippines", "A respectful relationships curriculum",
         "In the Philippines, a respectful relationships curriculum was introduced in 120 secondary schools, with trained teachers leading weekly sessions on consent, gender norms and healthy relationships.", None),
        ("lesson_learned", "Kenya", "Engage parents from the start",
         "In Kenya, school-based prevention worked best where parents were invited to meetings before the sessions began. Early engagement reduced objections and carried the messages into homes.", None),
        ("lesson_learned", "El Salvador", "A referral path before disclosure",
         "In El Salvador, schools set up a clear referral path to health and protection services before students were encouraged to speak about violence.",
         "In El Salvador, disclosures by students were handled safely because each participating school had an agreed referral route to protection services in place."),
        ("promising_practice", "Vanuatu", "School clubs as safe spaces",
         "In Vanuatu, after-school clubs give girls and boys a safe space to talk about violence, and are expected to change attitudes among their members.", None),
        ("good_practice", "Albania", "A code of conduct on harassment in schools",
         "In Albania, the ministry of education adopted a code of conduct on sexual harassment in schools, with a confidential complaints procedure for students.", None)],
        "Students' attitudes improved where teachers had been trained to deliver regular sessions on consent and relationships, and schools that informed parents early faced far less resistance.",
        "In Vanuatu, the evaluation found no difference in attitudes towards violence between club members and other students; attendance was irregular and clubs met only a few times a year."),
    "men_boys": ("A", [
        ("promising_practice", "Uganda", "Community dialogues with men and boys",
         "In Uganda, community dialogues with men and boys challenged harmful ideas of masculinity and opened discussion on shared household decisions.", None),
        ("lesson_learned", "Mexico", "Work with men accountable to women's organisations",
         "In Mexico, work with men was designed and monitored with women's rights organisations so that it did not take space or funding from women's leadership.", None),
        ("good_practice", "Fiji", "Faith leaders as messengers",
         "In Fiji, faith leaders spoke against violence in their congregations in their own words, reaching people that campaigns had not reached.",
         "Congregation members in Fiji recalled sermons on violence against women more often than any campaign message, pointing to faith leaders as effective messengers."),
        ("innovation", "Grenada", "Sports clubs for young men",
         "In Grenada, sports clubs became a place where young men discussed respect and gender equality after training sessions.", None),
        ("promising_practice", "Moldova", "Fathers' groups",
         "In Moldova, fathers' groups run by trained male champions discuss caregiving, stress and non-violent parenting.", None)],
        "Men who took part in the dialogues reported more equal decision-making at home, and women's organisations confirmed that the work with men remained accountable to them.",
        "In Grenada, coaches rarely held the planned discussions after training, and young men in the sports clubs showed no change in attitudes at endline."),
    "community": ("A", [
        ("good_practice", "Malawi", "Long-term community activism",
         "In Malawi, community activists used a phased community mobilisation approach over three years to shift the norms that excuse violence. Attitudes began to change only in the second and third years.", None),
        ("lesson_learned", "Nigeria", "Support the community activists",
         "In Nigeria, community activists received a stipend and regular supervision. Change lasted where activists were supported, while unpaid volunteer networks dissolved.", None),
        ("good_practice", "Haiti", "Radio drama in Creole",
         "In Haiti, radio drama and community theatre in Creole carried prevention messages to remote villages.",
         "In Haiti, listeners in remote communes could describe the radio drama's storyline and its message about where survivors can get help."),
        ("promising_practice", "Niger", "By-laws with traditional leaders",
         "In Niger, traditional leaders signed by-laws against child marriage and committed to report cases to the authorities.", None),
        ("lesson_learned", "Papua New Guinea", "Local women design the messages",
         "In Papua New Guinea, prevention messages designed by local women's groups were better understood and trusted than messages produced in the capital.", None)],
        "Shifts in attitudes appeared only after two to three years of sustained community mobilisation, and were strongest where the community activists were paid and supervised.",
        "In Niger, the by-laws signed by traditional leaders were rarely enforced, and reported child marriages in the targeted villages did not decline."),
    "online": ("B", [
        ("promising_practice", "Brazil", "Digital safety training before campaigns",
         "In Brazil, women's organisations received digital safety training before launching online campaigns, which reduced account takeovers and doxxing of activists.", None),
        ("lesson_learned", "Jordan", "Online abuse in the referral pathway",
         "In Jordan, survivors of online abuse were included in the same referral pathway as other survivors, with helpline staff trained to document digital evidence.", None),
        ("lesson_learned", "Georgia", "Cybercrime laws miss online violence",
         "In Georgia, a review showed that the cybercrime law did not name online violence against women, so cases of image-based abuse fell through the cracks until the criminal code was amended.",
         "In Georgia, image-based abuse was seldom prosecuted before the criminal code amendment, because the cybercrime law did not cover it."),
        ("innovation", "Argentina", "A trusted reporting channel with platforms",
         "In Argentina, a trusted reporting channel with social media platforms was set up for abusive posts targeting women journalists and politicians.",
         "Abusive posts reported through the trusted channel in Argentina were removed within days rather than weeks."),
        ("good_practice", "Lebanon", "A helpline category for online abuse",
         "In Lebanon, the helpline records online abuse and sextortion as a separate category, which made the scale of the problem visible.", None)],
        "Digital security training protected activists' accounts during campaigns, and helpline staff trained to record digital evidence were able to refer survivors of online abuse to services.",
        None),
    "shelters": ("B", [
        ("good_practice", "Liberia", "Case management after the shelter",
         "In Liberia, case management continued for six months after survivors left the shelter. Survivors stayed safer and fewer returned to violent partners.", None),
        ("lesson_learned", "Timor-Leste", "Shelter, legal aid and income together",
         "In Timor-Leste, survivors needed safe accommodation, legal aid and economic support at the same time; shelters that offered all three saw women rebuild independent lives.", None),
        ("good_practice", "Tunisia", "Minimum standards for shelters",
         "In Tunisia, the ministry adopted minimum standards for shelters covering staffing, safety and confidentiality, with yearly inspections.",
         "Shelters in Tunisia were inspected against the new national standards, and most met the staffing and confidentiality requirements in 2024."),
        ("good_practice", "Samoa", "Accessible shelters",
         "In Samoa, the shelter network added ramps, accessible rooms and sign language support for survivors with disabilities.",
         "Survivors with disabilities in Samoa were able to use shelter services once accessibility works and sign language support were in place."),
        ("lesson_learned", "Guyana", "Predictable public funding for shelters",
         "In Guyana, shelters funded by short project grants closed between grants; a line in the national budget kept them open.", None)],
        "Survivors followed up after leaving a shelter were less likely to return to abusive partners, and those who also received legal aid and income support reported greater independence.",
        None),
    "helplines": ("A", [
        ("good_practice", "Kenya", "A free 24-hour helpline with one referral pathway",
         "In Kenya, the free 24-hour helpline is staffed by trained counsellors who refer callers to health, police and shelter services through a single referral pathway.", None),
        ("innovation", "Viet Nam", "Text and chat options",
         "In Viet Nam, a text and chat option was added to the helpline for women who cannot speak safely at home.", None),
        ("lesson_learned", "Morocco", "Supervision and rest for counsellors",
         "In Morocco, helpline counsellors received weekly supervision and rest days, which reduced staff turnover.",
         "Helpline staff turnover in Morocco fell after weekly supervision was introduced, according to management records."),
        ("lesson_learned", "Zimbabwe", "A helpline to raise reporting in rural areas",
         "In Zimbabwe, the helpline was expected to increase reporting from rural areas by offering a free number that any woman can call.", None),
        ("promising_practice", "Iraq", "Helpline data in emergencies",
         "In Iraq, helpline data were shared weekly with the protection cluster during displacement, guiding where mobile teams were sent.", None)],
        "The helpline's single referral pathway connected callers to services, and contacts through the new chat channel came mostly from young women who said they could not call from home.",
        "In Zimbabwe, calls from rural districts stayed below ten percent of the total; women there lacked phones and airtime, and there were few services to refer them to."),
    "one_stop": ("B", [
        ("good_practice", "Nigeria", "One-stop centres in district hospitals",
         "In Nigeria, one-stop centres in district hospitals bring clinical care, counselling, police and legal aid into one place, so survivors tell their story once.", None),
        ("lesson_learned", "Malawi", "Night shifts and the 72-hour window",
         "In Malawi, one-stop centres opened night shifts so survivors of rape could be seen within 72 hours, when post-exposure treatment still works.", None),
        ("lesson_learned", "the Philippines", "A police officer and a lawyer on site",
         "In the Philippines, one-stop centres with a police officer and a lawyer on site completed more cases than centres with health staff only.",
         "Centres in the Philippines that had police and legal staff on site referred more cases to prosecution than those staffed by health workers alone."),
        ("good_practice", "Ecuador", "First-line support training for health workers",
         "In Ecuador, health workers were trained on first-line support and the clinical management of rape using the national protocols.",
         "Health workers in Ecuador applied the national protocol on the clinical management of rape after training, according to a review of patient records."),
        ("lesson_learned", "Vanuatu", "Communities must know the centre exists",
         "In Vanuatu, survivors came within 72 hours only where the community knew the centre existed; outreach through women's groups raised early attendance.", None)],
        "Survivors at the integrated centres were interviewed once rather than by each service, and more rape survivors arrived within 72 hours after night shifts were introduced.",
        None),
    "admin_data": ("A", [
        ("good_practice", "Argentina", "Common definitions across services",
         "In Argentina, police, health and shelter services adopted a single case form with common definitions, so that national figures are comparable across provinces.", None),
        ("lesson_learned", "Mexico", "Disaggregate by age and disability",
         "In Mexico, administrative data disaggregated by age, disability and location revealed groups that services were missing, such as older women and women with disabilities.", None),
        ("good_practice", "Jamaica", "A confidential data sharing protocol",
         "In Jamaica, a data sharing protocol lets police and health services exchange anonymised case data without revealing survivors' identities.",
         "The anonymised data exchange between police and health services in Jamaica operated without any recorded breach of survivors' confidentiality."),
        ("innovation", "Honduras", "A linked information system",
         "In Honduras, a new information system links case records across police, health and justice, and was expected to follow each case from report to sentence.", None),
        ("good_practice", "Brazil", "Quarterly publication of administrative data",
         "In Brazil, the statistics office publishes administrative data on violence against women every quarter, with a short analysis for journalists.", None)],
        "A single case registration form made provincial figures comparable for the first time, and the disaggregated data showed that older women and women with disabilities were under-served.",
        "In Honduras, the linked information system was not used by most justice offices, and cases could not be followed from report to sentence as intended."),
    "observatory": ("B", [
        ("good_practice", "El Salvador", "Combine media, police and court sources",
         "In El Salvador, the femicide observatory combines media, police and court records, which finds cases that each source misses on its own.", None),
        ("lesson_learned", "Argentina", "A monthly bulletin keeps femicide on the agenda",
         "In Argentina, the observatory's monthly bulletin on femicides is used by parliament in budget debates and keeps the issue on the public agenda.", None),
        ("lesson_learned", "Guatemala", "Comparable definitions of femicide",
         "In Guatemala, the observatory aligned its definition of femicide with the regional model protocol so that figures can be compared between countries.",
         "Femicide figures from Guatemala could be compared with those of neighbouring countries once the observatory adopted the regional definition."),
        ("good_practice", "Mexico", "An observatory run with universities",
         "In Mexico, universities and women's organisations run the femicide observatory together with the statistics office, sharing methods and verification.",
         "The partnership between universities, women's organisations and the statistics office in Mexico strengthened the verification of femicide cases."),
        ("innovation", "Trinidad and Tobago", "An online dashboard of femicide trends",
         "In Trinidad and Tobago, an online dashboard shows femicide and intimate partner homicide trends by month and region.", None)],
        "Cross-checking press, police and judicial records raised the number of femicides identified, and the observatory's regular bulletins were cited in parliamentary debates on the budget.",
        None),
    "prevalence": ("C", [
        ("good_practice", "Samoa", "The first national prevalence survey",
         "In Samoa, the statistics office ran the first national prevalence survey on violence against women, following international ethical and safety guidelines.",
         "Samoa's first national prevalence survey was completed to international ethical standards and produced the first baseline on partner violence."),
        ("lesson_learned", "Kyrgyzstan", "Ministries in the survey design",
         "In Kyrgyzstan, ministries helped design the questions of the prevalence survey, and its results were then used to revise the national programme.",
         "Because line ministries helped draft the questionnaire, the prevalence results in Kyrgyzstan fed directly into the revision of the national programme."),
        ("lesson_learned", "Nepal", "Budget for interviewer safety",
         "In Nepal, interviewer training, safety and support were budgeted as carefully as the sample, and no safety incidents occurred during fieldwork.",
         "No safety incidents among interviewers were recorded during the survey fieldwork in Nepal, which the evaluation links to the training and support budgeted for them."),
        ("good_practice", "Albania", "A module comparable across the region",
         "In Albania, the survey used a module shared with other countries in the region, allowing trends to be compared.",
         "Albania's survey results could be compared with those of regional neighbours because the same module was used."),
        ("lesson_learned", "Liberia", "Repeat the survey to see change",
         "In Liberia, partners learned that a prevalence survey should be repeated every five years to show change, and budgeted the next round.",
         "The evaluation in Liberia notes that the follow-up prevalence survey has been budgeted, so change since the baseline can be measured.")],
        None, None),
    "funding": ("A", [
        ("good_practice", "Haiti", "Core and flexible funding",
         "In Haiti, core and flexible funding let women's rights organisations keep their staff and respond to emergencies instead of closing.", None),
        ("lesson_learned", "Tajikistan", "Multi-year funding matters most",
         "In Tajikistan, women's organisations said multi-year funding mattered more than the size of the grant, because it let them plan and keep staff.", None),
        ("good_practice", "Guatemala", "Simple applications for grassroots groups",
         "In Guatemala, simplified applications and reporting in local languages opened small grants to grassroots groups led by indigenous and young women.",
         "Simplified procedures in Guatemala meant that most small grants went to first-time grantees, including indigenous women's groups."),
        ("promising_practice", "Kenya", "Small grants to build lasting organisations",
         "In Kenya, small grants to grassroots groups were expected to build organisations that would continue after the programme.", None),
        ("lesson_learned", "Fiji", "Lighter due diligence for small groups",
         "In Fiji, audit requirements for larger grants excluded many small groups; partners introduced a lighter due-diligence process.", None)],
        "Organisations that received flexible, multi-year support kept their staff through the crisis and adapted their services, while those on short project grants cut activities.",
        "In Kenya, most grassroots groups that received small grants had stopped their activities within a year of the grant ending, lacking any other source of funds."),
    "networks": ("B", [
        ("good_practice", "Mali", "The reference group reviews the work plan",
         "In Mali, the civil society reference group reviews the programme's work plan and budget every year and receives a written response to its recommendations.", None),
        ("lesson_learned", "Moldova", "Paying activists widens participation",
         "In Moldova, paying reference group members for their time allowed younger and rural activists to take part.", None),
        ("lesson_learned", "Nigeria", "Networks that set their own agenda",
         "In Nigeria, a national network of women's organisations lasted beyond the programme because it set its own agenda rather than the donor's.",
         "The women's network in Nigeria continued to meet and advocate after programme funding ended, which members attribute to its independent agenda."),
        ("good_practice", "Timor-Leste", "A joint advocacy platform before elections",
         "In Timor-Leste, women's organisations agreed a joint advocacy platform before the elections, and candidates signed commitments on ending violence.",
         "In Timor-Leste, most candidates endorsed the women's organisations' joint platform, and two of its commitments were included in the new government programme."),
        ("good_practice", "Morocco", "Consult the reference group before the budget",
         "In Morocco, the reference group is now consulted before the budget is set, after members said they had been consulted too late in earlier years.", None)],
        "Reference group recommendations that received a written response were more often acted upon, and compensating members for their time broadened participation to younger and rural activists.",
        None),
}
GAPS = [  # findings no lesson speaks to: (pillar, country, text)
    ("Services", "Malawi", "Survivors in rural districts travel more than 50 km to reach any service, and transport costs are not covered by the programme."),
    ("Data", "", "Programme monitoring did not track violence against older women, so their needs remain unknown."),
    ("Services", "Uganda", "Economic empowerment components were too small to change survivors' financial independence."),
    ("Institutions", "Liberia", "Procurement delays postponed community activities by six months in the first year."),
    ("Laws and policies", "Guatemala", "Indigenous women's organisations were not consulted when the national action plan was drafted."),
    ("Institutions", "Honduras", "Violence against women candidates rose ahead of the elections, and no institution was mandated to respond."),
    ("Services", "Nepal", "The complaints mechanism for survivors was unknown to most women interviewed in the target communities."),
    ("Services", "Vanuatu", "After the 2024 cyclone, services were disrupted and no contingency plan existed for survivors in evacuation centres."),
    ("Prevention", "Lebanon", "Migrant domestic workers were not reached by any component, although partners identified them as highly exposed to violence."),
    ("Prevention", "Papua New Guinea", "The theory of change did not address alcohol use, which communities cited as a driver of violence."),
]
SOURCES = ["Cross-regional learning session", "Knowledge brief", "Annual country report 2024",
           "Online discussion on the hub", "Regional learning symposium", "Country programme final report"]


def _pillar_label(rng: random.Random, pillar: str) -> str:
    pid = PILLAR_ID[pillar]
    return rng.choice([pillar, f"Pillar {pid}", f"Pillar {pid}: {pillar}", str(pid)])


def build_evidence(rng: random.Random) -> tuple[list[list], list[list], list[tuple[str, str, str]]]:
    lessons: list[list] = []
    findings: list[dict] = []
    truth: list[tuple[str, str, str]] = []
    lid_of: dict[tuple[str, int], str] = {}
    n = 0
    for topic, (pattern, items, double, contra) in EVIDENCE.items():
        pillar = TOPICS[topic]["pillar"]
        for j, (typ, country, title, text, _) in enumerate(items):
            n += 1
            lid = f"L{n:03d}"
            lid_of[(topic, j)] = lid
            lessons.append([lid, title, LESSON_TYPE_LABEL[typ], country_col(country),
                            REGION_OF[country], pillar, rng.choice(SOURCES), text])
        links: list[tuple[str, list[int], str, str]] = []  # (text, lesson indexes, relation, country)
        if double:
            links.append((double, [0, 1], "supports", ""))
        if contra:
            links.append((contra, [3], "contradicts", items[3][1]))
        for j, item in enumerate(items):
            if item[4]:
                links.append((item[4], [j], "supports", item[1]))
        for text, idx, rel, country in links:
            findings.append({"text": text, "lessons": [lid_of[(topic, j)] for j in idx], "relation": rel,
                             "country": country, "pillar": pillar})
    for pillar, country, text in GAPS:
        findings.append({"text": text, "lessons": [], "relation": "", "country": country, "pillar": pillar})
    rng.shuffle(findings)
    rows = []
    for i, f in enumerate(findings, start=1):
        fid = f"F{i:03d}"
        country = f["country"]
        if country:
            kind = rng.choice(["Final evaluation", "Mid-term evaluation"])
            evaluation = f"{kind}, {country_col(country)} country programme"
            region = REGION_OF[country]
        else:
            evaluation = f"Thematic evaluation: {f['pillar'].lower()}"
            region = ""
        rows.append([fid, evaluation, country_col(country),
                     region, _pillar_label(rng, f["pillar"]), rng.choice([2023, 2024, 2024, 2025]), f["text"]])
        for lid in f["lessons"]:
            truth.append((fid, lid, f["relation"]))
    return lessons, rows, truth


def _write_sheet(ws, header: list[str], rows: list[list], widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font

    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    for row in ws.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _fixed_properties(wb) -> None:
    stamp = dt.datetime(2026, 11, 1, 9, 0, 0)
    wb.properties.creator = "kmsynth sample generator"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.lastModifiedBy = "kmsynth sample generator"


def write_evidence(rng: random.Random, folder: Path) -> tuple[int, int, int]:
    from openpyxl import Workbook

    lessons, findings, truth = build_evidence(rng)
    wb = Workbook()
    ws = wb.active
    ws.title = "Findings"
    _write_sheet(ws, ["Finding ID", "Evaluation", "Country", "Region", "Pillar", "Year", "Finding"], findings,
                 [10, 44, 18, 22, 30, 8, 100])
    about = wb.create_sheet("About")
    for line in ["Evaluation findings extracted from programme evaluations (synthetic sample data).",
                 "One row per finding. Pillar as written by each evaluation team.",
                 "Generated by data/make_sample.py: nothing here is real."]:
        about.append([line])
    _fixed_properties(wb)
    wb.save(folder / "findings.xlsx")
    wb = Workbook()
    ws = wb.active
    ws.title = "Inventory"
    _write_sheet(ws, ["Lesson ID", "Title", "Type", "Country", "Region", "Pillar", "Source",
                      "Lesson / practice description"], lessons, [10, 44, 20, 18, 22, 30, 32, 100])
    _fixed_properties(wb)
    wb.save(folder / "lessons.xlsx")
    with (folder / "links_truth.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["finding_id", "lesson_id", "relation"])
        w.writerows(sorted(truth))
    return len(findings), len(lessons), len(truth)


# ------------------------------------------------------------------------------------------
# Mapping and config

MAPPING = """# Column mapping: how each export's columns become kmsynth's canonical tables.
# canonical name: the column as it is named in the export
posts:                       # the hub's forum export
  columns:
    post_id: Post ID
    thread_id: Thread
    title: Subject
    text: Body
    created_at: Posted (UTC)
    author: Member
    region: Region
    country: Country
    language: Lang
    source: Community
    consent_to_quote: May quote
  dates:
    order: DMY               # 05/06/2026 is 5 June
    timezone: UTC            # the export states its times in UTC
survey:                      # Kobo export of the webinar feedback form
  columns:
    response_id: _id
    submitted_at: _submission_time
    respondent_group: Which best describes your organisation?
    region: Region
    country: Country
    language: Language
    wave: Event
    consent_to_quote: May we quote your comments anonymously?
  dates:
    order: YMD
    timezone: UTC            # Kobo's _submission_time is UTC without a zone suffix
  likert:
{likert}
  open_ended:
    - What was most useful?
    - What should we improve?
findings:                    # workbook compiled from evaluation reports
  sheet: Findings
  columns:
    finding_id: Finding ID
    text: Finding
    evaluation: Evaluation
    country: Country
    region: Region
    pillar: Pillar
    year: Year
lessons:                     # the lessons-learned and good-practices inventory
  columns:
    lesson_id: Lesson ID
    text: Lesson / practice description
    title: Title
    type: Type
    country: Country
    region: Region
    pillar: Pillar
    source: Source
"""

CONFIG = """# kmsynth configuration for the bundled sample (paths are relative to this file).
data:
  posts: posts.csv
  survey: survey.csv
  findings: findings.xlsx
  lessons: lessons.xlsx
  mapping: mapping.yml
privacy:
  min_cell: 10               # breakdown cells below 10 are hidden
  # names redacted wherever they appear in free text: every member of the hub (authors are
  # added automatically; listing them also covers the survey's open answers)
  block_list:
{names}
  places: [{places}]         # small places that could identify someone
embedding:
  embedder: auto             # multilingual encoder: a fifth of the posts are not English
  cache_dir: ../../.kmsynth-cache
report:
  title: Knowledge hub monthly report (sample data)
"""


def main(out: Path = OUT) -> dict:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    members = make_members(rng)
    posts = make_posts(rng, members)
    plant_pii(rng, posts, members)
    planted = write_posts(rng, posts, out / "posts.csv")
    write_survey(rng, members, out / "survey.csv")
    n_f, n_l, n_t = write_evidence(rng, out)
    likert = "\n".join(f"    - {item}" for item in ITEMS)
    (out / "mapping.yml").write_text(MAPPING.replace("{likert}", likert), encoding="utf-8")
    names = "\n".join(f"    - {m['name']}" for m in sorted(members, key=lambda m: m["name"]))
    (out / "kmsynth.yml").write_text(CONFIG.replace("{names}", names).replace("{places}", ", ".join(PLACES)),
                                     encoding="utf-8")
    return {"posts_rows": int(planted["rows"][0]), "members": len(members), "findings": n_f, "lessons": n_l,
            "links": n_t, "planted": planted}


if __name__ == "__main__":
    info = main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {info['posts_rows']} post rows ({info['members']} members), 200 survey responses, "
          f"{info['findings']} findings, {info['lessons']} lessons, {info['links']} true links")
    for what, ids in info["planted"].items():
        if what != "rows":
            print(f"  planted {what}: {', '.join(ids)}")
