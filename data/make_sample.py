"""Generate the bundled synthetic sample data in data/sample/ (deterministic: same output every run).

    python data/make_sample.py

Everything here is invented: members, organisations, phone numbers and e-mail addresses are
fictitious. The texts imitate a multilingual knowledge-exchange hub on ending violence against
women and girls (six pillars, several regions, English with Spanish, French and Portuguese),
with planted trends, planted personal data for redaction, script payloads, and bad rows that
the ledger must catch.
"""
from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sample"
MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
REGIONS = {
    "Africa": ["Kenya", "Uganda", "Nigeria", "Malawi", "Mozambique", "Liberia"],
    "Latin America": ["Mexico", "Argentina", "Ecuador", "Honduras", "El Salvador", "Brazil"],
    "Caribbean": ["Jamaica", "Trinidad and Tobago", "Belize", "Grenada", "Haiti"],
    "Asia": ["Timor-Leste", "Philippines", "Nepal", "Viet Nam"],
    "Pacific": ["Samoa", "Vanuatu", "Papua New Guinea", "Fiji"],
}
REGION_LANG = {"Latin America": "es", "Africa": "en", "Caribbean": "en", "Asia": "en", "Pacific": "en"}
FIRST = ["Amina", "Grace", "Lucia", "Mariana", "Fatou", "Esther", "Rosa", "Keisha", "Ana", "Leilani",
         "Priya", "Nomvula", "Carmen", "Josefa", "Aroha", "Mele", "Thandiwe", "Valentina", "Marie",
         "Beatriz", "Sokha", "Imani", "Daniela", "Joy", "Tanya", "Sione", "Paola", "Akosua", "Lina", "Ruth"]
LAST = ["Okafor", "Mensah", "Fernandes", "Garcia", "Diallo", "Mwangi", "Brown", "Tuilagi", "Santos",
        "Khan", "Dlamini", "Rojas", "Campbell", "Ndlovu", "Pereira", "Soares", "Achieng", "Morales",
        "Taufa", "Banda", "Lopez", "Williams", "Kamau", "Silva", "Reyes"]

# pillar -> sub-topic -> (english sentences, spanish, french, portuguese)
TOPICS: dict[str, dict[str, dict[str, list[str]]]] = {
    "Laws and policies": {
        "law reform": {
            "en": ["Parliament in {country} passed amendments to the domestic violence act after two years of advocacy.",
                   "The new law recognises psychological and economic violence, not only physical harm.",
                   "We learned that law reform only changes lives when the budget for implementation is agreed at the same time.",
                   "Civil society drafted the bill together with the ministry of justice and women's caucus members.",
                   "Protection orders are now available within 24 hours under the revised legislation."],
            "es": ["El congreso de {country} aprobó la reforma a la ley integral contra la violencia hacia las mujeres.",
                   "Aprendimos que la reforma legal necesita presupuesto para su implementación desde el inicio.",
                   "La nueva ley reconoce la violencia psicológica y económica, y crea juzgados especializados."],
            "fr": ["Le parlement a adopté la réforme de la loi sur les violences conjugales après deux ans de plaidoyer.",
                   "Nous avons appris que la réforme juridique doit s'accompagner d'un budget de mise en œuvre."],
            "pt": ["O parlamento aprovou a reforma da lei sobre violência doméstica depois de dois anos de advocacia.",
                   "Aprendemos que a reforma legal precisa de orçamento para a implementação desde o início."],
        },
        "gender budgeting": {
            "en": ["The finance ministry in {country} introduced gender-responsive budgeting tags for every programme line.",
                   "Tracking the budget for ending violence showed that only 0.3% of the health budget reached survivors.",
                   "It is essential that national action plans are costed, otherwise they stay on paper.",
                   "We recommend that planning officers receive training on costing the national action plan."],
            "es": ["El ministerio de finanzas incorporó etiquetas de presupuesto con enfoque de género en {country}.",
                   "Es fundamental que los planes nacionales tengan costos y presupuesto asignado."],
        },
    },
    "Institutions": {
        "police training": {
            "en": ["In {country}, the programme established a training course for police officers on survivor-centred interviewing.",
                   "Specialised police units now take statements in private rooms, and complaints rose by 40% in 2025.",
                   "Officers told us the training changed how they respond to calls about domestic violence.",
                   "A key to success was including the training in the police academy curriculum, not as a one-off workshop."],
            "es": ["En {country}, el programa estableció un curso para la policía sobre atención centrada en las sobrevivientes.",
                   "La clave del éxito fue incluir la capacitación en el currículo de la academia de policía."],
            "fr": ["Au {country}, le programme a mis en place une formation des policiers à l'accueil des survivantes."],
        },
        "coordination": {
            "en": ["The national coordination mechanism in {country} now meets monthly with ministries and civil society.",
                   "Coordination between health, police and justice sectors improved referral times.",
                   "We learned that a coordination body needs a secretariat with staff, or it stops meeting after a year.",
                   "District committees brought local government, traditional leaders and service providers together."],
            "pt": ["O mecanismo nacional de coordenação reúne ministérios e sociedade civil todos os meses.",
                   "Aprendemos que um órgão de coordenação precisa de uma secretaria com pessoal."],
        },
    },
    "Prevention": {
        "schools": {
            "en": ["In {country}, the programme launched a respectful relationships curriculum in 120 secondary schools.",
                   "Teachers were trained to discuss consent, gender norms and healthy relationships with students.",
                   "Students reported that the school clubs gave them a safe space to talk about violence.",
                   "We learned that school programmes work best when parents are engaged from the start."],
            "es": ["En {country}, el programa impulsó un currículo de relaciones respetuosas en escuelas secundarias.",
                   "Los docentes fueron capacitados para hablar de consentimiento y normas de género con estudiantes."],
            "fr": ["Au {country}, le programme a lancé un programme scolaire sur les relations respectueuses dans les écoles."],
            "pt": ["Em {country}, o programa lançou um currículo sobre relações respeitosas nas escolas secundárias."],
        },
        "men and boys": {
            "en": ["Community dialogues with men and boys challenged harmful masculinities in {country}.",
                   "Male champions and faith leaders spoke publicly against violence in their congregations.",
                   "It is essential to work with men as allies without taking space from women's leadership.",
                   "Sports clubs became a place where young men discussed respect and gender equality."],
            "es": ["Los diálogos comunitarios con hombres y niños cuestionaron las masculinidades violentas.",
                   "Es fundamental trabajar con los hombres como aliados sin quitar espacio al liderazgo de las mujeres."],
        },
        "community mobilisation": {
            "en": ["Community activists in {country} used the SASA! approach to shift norms that excuse violence.",
                   "Radio drama and community theatre reached remote villages with prevention messages.",
                   "We learned that community mobilisation takes at least three years before attitudes change."],
            "fr": ["Les activistes communautaires ont utilisé le théâtre et la radio pour changer les normes sociales."],
        },
    },
    "Services": {
        "shelters": {
            "en": ["The shelter in {country} expanded from 12 to 30 beds and added psychosocial counselling.",
                   "Survivors need safe accommodation, legal aid and economic support at the same time.",
                   "Shelter staff asked for guidance on supporting survivors with disabilities.",
                   "A lesson from our shelter network is that survivors stay safer when case management continues after they leave."],
            "es": ["El refugio en {country} amplió sus camas y ofrece acompañamiento psicosocial a sobrevivientes.",
                   "Las sobrevivientes necesitan alojamiento seguro, asesoría legal y apoyo económico al mismo tiempo."],
            "pt": ["A casa-abrigo ampliou as vagas e oferece apoio psicossocial às sobreviventes."],
        },
        "helplines": {
            "en": ["The 24-hour helpline in {country} answered 9,400 calls in 2025, most of them at night.",
                   "Helpline counsellors refer callers to health, police and shelter services through one referral pathway.",
                   "We recommend that helplines offer text and chat options for women who cannot speak safely."],
            "fr": ["La ligne d'écoute gratuite oriente les appelantes vers les services de santé, de police et d'hébergement."],
        },
        "one-stop centres": {
            "en": ["In {country}, the programme established one-stop centres in district hospitals for clinical care and legal aid.",
                   "The one-stop centre reduced the number of times a survivor has to tell her story.",
                   "Essential services guidelines helped health workers offer first-line support."],
            "es": ["En {country}, el programa estableció centros de atención integral en hospitales para las sobrevivientes."],
        },
    },
    "Data": {
        "administrative data": {
            "en": ["The national statistics office in {country} now publishes administrative data on violence every quarter.",
                   "Police, health and shelter records use one data collection form with common definitions.",
                   "We learned that data disaggregated by age and disability reveals groups that services were missing.",
                   "Data sharing protocols protect survivors' confidentiality while allowing trend analysis."],
            "es": ["El instituto de estadística de {country} publica datos administrativos sobre violencia cada trimestre.",
                   "Aprendimos que los datos desagregados por edad y discapacidad muestran a quienes los servicios no llegaban.",
                   "Los registros de policía, salud y refugios usan un formulario único con definiciones comunes."],
        },
        "femicide observatory": {
            "en": ["A femicide observatory in {country} tracks cases from media and court records.",
                   "The observatory's monthly bulletin on femicides is now used by parliament in budget debates."],
            "es": ["El observatorio de feminicidios de {country} registra los casos a partir de fuentes judiciales y de prensa.",
                   "El boletín mensual del observatorio de feminicidios se usa en los debates del presupuesto.",
                   "Es fundamental que el observatorio tenga definiciones comparables entre países."],
            "pt": ["O observatório de feminicídios acompanha os casos a partir de registos judiciais e da imprensa."],
        },
    },
    "Women's movement and civil society": {
        "funding women's organisations": {
            "en": ["Core, flexible funding let women's rights organisations in {country} keep their staff through the crisis.",
                   "Small grants reached grassroots groups led by young women and women with disabilities.",
                   "We learned that multi-year funding matters more to women's organisations than the size of the grant.",
                   "Women's rights organisations asked donors to simplify reporting for small groups."],
            "es": ["El financiamiento flexible permitió a las organizaciones de mujeres de {country} mantener a su personal.",
                   "Aprendimos que el financiamiento plurianual importa más que el monto de la subvención."],
            "fr": ["Le financement flexible a permis aux organisations de défense des droits des femmes de garder leur personnel."],
        },
    },
}
# a sub-topic that appears only in the last two months (a new theme for the report to spot)
NEW_TOPIC = ("Prevention", "online violence", {
    "en": ["Technology-facilitated violence is rising: women activists in {country} face online harassment and image-based abuse.",
           "Platforms took weeks to remove abusive posts targeting women journalists.",
           "We learned that digital safety training must reach women's organisations before campaigns go online.",
           "Survivors of online abuse need the same referral pathway as other survivors."],
    "es": ["La violencia digital aumenta: activistas en {country} enfrentan acoso en línea y difusión de imágenes íntimas.",
           "Aprendimos que la seguridad digital debe llegar a las organizaciones de mujeres antes de las campañas."],
})
OPENERS = {"en": ["Thank you for this discussion.", "Greetings from {country}.", "Sharing our experience.",
                  "A question for colleagues:", "Building on the previous post,", ""],
           "es": ["Gracias por esta discusión.", "Saludos desde {country}.", "Compartimos nuestra experiencia.", ""],
           "fr": ["Merci pour cette discussion.", "Bonjour depuis le {country}.", ""],
           "pt": ["Obrigada por esta discussão.", "Saudações de {country}.", ""]}


def _date(rng: random.Random, month: str) -> datetime:
    y, m = map(int, month.split("-"))
    start = datetime(y, m, 1)
    return start + timedelta(days=rng.randrange(0, 28), hours=rng.randrange(7, 22), minutes=rng.randrange(60))


def make_posts(rng: random.Random) -> tuple[list[dict], list[str]]:
    members = sorted({f"{f} {l}" for f in FIRST for l in LAST})
    rng.shuffle(members)
    members = members[:180]
    member_region = {m: rng.choice(list(REGIONS)) for m in members}
    subtopics = [(p, s) for p, subs in TOPICS.items() for s in subs]
    posts: list[dict] = []
    tid = 0
    for mi, month in enumerate(MONTHS):
        weights = {}
        for p, s in subtopics:
            w = 1.0
            if p == "Data":
                w = 0.6 + 0.35 * mi  # the data pillar rises month on month
            if s == "police training":
                w = max(0.2, 1.4 - 0.25 * mi)  # fading
            weights[(p, s)] = w
        n_threads = 38 + 3 * mi
        pool = subtopics + ([("Prevention", "online violence")] if mi >= 4 else [])
        wts = [weights.get(x, 2.2) for x in pool]
        for _ in range(n_threads):
            tid += 1
            pillar, sub = rng.choices(pool, weights=wts)[0]
            sents = NEW_TOPIC[2] if sub == "online violence" else TOPICS[pillar][sub]
            region = rng.choice(list(REGIONS))
            if pillar == "Data" and mi >= 3 and rng.random() < 0.6:
                region = "Latin America"  # the rise happens in Latin America
            thread_title = f"{pillar}: {sub}"
            for j in range(rng.randint(3, 9)):
                author = rng.choice([m for m in members if member_region[m] == region] or members)
                country = rng.choice(REGIONS[region])
                lang = REGION_LANG[region] if rng.random() < 0.75 else "en"
                if lang == "en" and rng.random() < 0.08:
                    lang = rng.choice(["fr", "pt"])
                bank = sents.get(lang) or sents["en"]
                if lang not in sents:
                    lang = "en"
                body = [rng.choice(OPENERS[lang])] + rng.sample(bank, min(len(bank), rng.randint(2, 3)))
                text = " ".join(b for b in body if b).replace("{country}", country)
                posts.append({"thread": tid, "subject": ("Re: " if j else "") + thread_title,
                              "body": text, "date": _date(rng, month), "member": author,
                              "region": region, "country": country, "lang": lang,
                              "community": rng.choice(["Global hub", "Regional community of practice"]),
                              "quote": "yes" if rng.random() < 0.6 else "no"})
    posts.sort(key=lambda p: p["date"])
    # planted personal data, to be redacted
    plants = ["You can reach me at {e} or on +254 712 345678.", "Call our office on (876) 555-0142 for the toolkit.",
              "Write to {h} on social media.", "My colleague {m} can share the protocol.",
              "Email: {u} at gmail dot com", "See my page https://www.facebook.com/{u}.profile for photos."]
    for i in rng.sample(range(len(posts)), 70):
        who = posts[i]["member"]
        u = who.split()[0].lower()
        extra = rng.choice(plants).format(e=f"{u}.{who.split()[1].lower()}@example.org", h=f"@{u}_{who.split()[1].lower()}",
                                          m=rng.choice(members), u=u)
        posts[i]["body"] += " " + extra
    return posts, members


def write_posts(posts: list[dict], path: Path) -> int:
    rows = []
    for i, p in enumerate(posts, start=1):
        rows.append({"Post ID": f"{10000 + i}", "Thread": f"T{p['thread']:04d}", "Subject": p["subject"],
                     "Body": p["body"], "Posted": p["date"].strftime("%d/%m/%Y %H:%M"),
                     "Member": p["member"], "Region": p["region"], "Country": p["country"],
                     "Lang": p["lang"], "Community": p["community"], "May quote": p["quote"]})
    last = rows[-1]
    bad = [
        dict(last, **{"Post ID": "20001", "Body": ""}),
        dict(last, **{"Post ID": "20002", "Body": "   "}),
        dict(last, **{"Post ID": "20003", "Body": "NA"}),  # Namibia, or a word: kept as text
        dict(last, **{"Post ID": "20004", "Body": "🙏🙏🙏"}),
        dict(last, **{"Post ID": "20005", "Posted": "31/02/2026 10:00"}),  # no such date
        dict(rows[10], **{"Body": rows[10]["Body"] + " (edited)"}),  # same id, different text
        dict(rows[20]), dict(rows[21]), dict(rows[22]),  # exact duplicates
        dict(last, **{"Post ID": "007", "Body": "Testing the export with a short id: our shelter in Belize reopened."}),
        dict(rows[30], **{"Post ID": "20006", "Body": "Warning sign <script>alert('x')</script> in a shared resource on shelters."}),
        dict(rows[31], **{"Post ID": "20007", "Body": "Our poster <img src=x onerror=alert(1)> on helplines for survivors."}),
    ]
    rows.extend(bad)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return len(rows)


LIKERT = {"en": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree", "Don't know"],
          "es": ["Totalmente en desacuerdo", "En desacuerdo", "Ni de acuerdo ni en desacuerdo", "De acuerdo", "Totalmente de acuerdo", "No sé"],
          "fr": ["Pas du tout d'accord", "Pas d'accord", "Ni d'accord ni pas d'accord", "D'accord", "Tout à fait d'accord", "Je ne sais pas"],
          "pt": ["Discordo totalmente", "Discordo", "Não concordo nem discordo", "Concordo", "Concordo totalmente", "Não sei"]}
ITEMS = ["The session was relevant to my work", "I will apply what I learned",
         "Interpretation met my needs", "The time allowed for discussion was enough",
         "I would recommend the series to colleagues"]
USEFUL = {"en": ["Hearing practical examples from other countries was the most useful part.",
                 "The peer exchange with colleagues from other regions.", "The practical toolkit on referral pathways.",
                 "Learning how other teams costed their national action plan.", "The case study on one-stop centres."],
          "es": ["Los ejemplos prácticos de otros países fueron lo más útil.", "El intercambio entre pares de otras regiones."],
          "fr": ["Les exemples pratiques d'autres pays.", "L'échange entre pairs."],
          "pt": ["Os exemplos práticos de outros países.", "A troca de experiências entre pares."]}
IMPROVE = {"en": ["More time for questions and discussion.", "Interpretation into French and Portuguese for all sessions.",
                  "Schedule sessions in a time zone that suits the Pacific.", "Share the slides before the session.",
                  "More regional case studies from the Caribbean."],
           "es": ["Más tiempo para preguntas.", "Interpretación en todas las sesiones."],
           "fr": ["Plus de temps pour les questions.", "Interprétation dans toutes les sessions."],
           "pt": ["Mais tempo para perguntas.", "Interpretação em todas as sessões."]}


def write_survey(rng: random.Random, path: Path) -> None:
    groups = ["UN", "Government", "Civil society", "Academia", "Donor"]
    rows = []
    for i in range(200):
        wave = "Webinar 1 (June)" if i < 100 else "Webinar 2 (September)"
        month = "2026-06" if i < 100 else "2026-09"
        group = "Donor" if i in (5, 77, 160) else rng.choice(groups[:4])
        region = rng.choice(list(REGIONS))
        lang = REGION_LANG[region] if rng.random() < 0.7 else rng.choice(["en", "fr", "pt"])
        labels = LIKERT[lang]
        row = {"_id": f"R{i + 1:04d}", "_submission_time": _date(rng, month).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
               "Event": wave, "Which best describes your organisation?": group, "Region": region,
               "Language": lang}
        for j, item in enumerate(ITEMS):
            if j == 2:  # interpretation improved a lot between the waves (planted difference)
                base = [0.15, 0.3, 0.25, 0.2, 0.1] if i < 100 else [0.02, 0.05, 0.13, 0.4, 0.4]
            else:       # no real difference between waves
                base = [0.03, 0.07, 0.15, 0.45, 0.30]
            if rng.random() < 0.06:
                row[item] = labels[5] if rng.random() < 0.7 else ""
            else:
                row[item] = labels[rng.choices(range(5), weights=base)[0]]
        row["What was most useful?"] = rng.choice(USEFUL.get(lang, USEFUL["en"]))
        row["What should we improve?"] = rng.choice(IMPROVE.get(lang, IMPROVE["en"])) if rng.random() < 0.85 else ""
        row["May we quote you (anonymously)?"] = "yes" if rng.random() < 0.5 else "no"
        rows.append(row)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def write_findings_lessons(rng: random.Random, folder: Path) -> None:
    import pandas as pd

    lessons, findings, truth = [], [], []
    types = ["lesson_learned", "good_practice", "promising_practice", "innovation"]
    n = 0
    for pillar, subs in TOPICS.items():
        for sub, langs in subs.items():
            for s in langs["en"]:
                n += 1
                country = rng.choice([c for cs in REGIONS.values() for c in cs])
                region = next(r for r, cs in REGIONS.items() if country in cs)
                lessons.append({"Lesson ID": f"L{n:03d}", "Title": sub.capitalize(), "Type": rng.choice(types),
                                "Country": country, "Region": region, "Pillar": pillar,
                                "Source": "Knowledge product", "Lesson": s.replace("{country}", country)})
    # findings paraphrase about two thirds of the lessons; some point to lessons nobody wrote
    for i, les in enumerate(rng.sample(lessons, 48)):
        text = les["Lesson"]
        para = ("The evaluation found that " + text[0].lower() + text[1:]).replace("We learned that ", "").replace("we learned that ", "")
        findings.append({"Finding ID": f"F{i + 1:03d}", "Evaluation": f"Country programme evaluation {les['Country']}",
                         "Country": les["Country"], "Region": les["Region"], "Pillar": les["Pillar"], "Year": "2025",
                         "Finding": para})
        truth.append({"finding_id": f"F{i + 1:03d}", "lesson_id": les["Lesson ID"], "relation": "supports"})
    gaps = ["Survivors in rural areas travel more than 50 km to reach any service, and transport costs are not covered.",
            "Programme monitoring did not track violence against older women.",
            "Interpretation for sign language users was absent in all helpline services.",
            "Staff turnover in district offices erased most of the capacity built in the first year.",
            "Procurement delays postponed community activities by six months.",
            "Indigenous women's organisations were not consulted when the action plan was drafted.",
            "Online violence against women politicians rose before the elections and no service responded.",
            "The complaints mechanism for survivors was unknown to most women interviewed.",
            "Economic empowerment components were too small to change survivors' independence.",
            "Coordination meetings did not include organisations of women with disabilities."]
    for j, g in enumerate(gaps):
        k = len(findings) + 1
        findings.append({"Finding ID": f"F{k:03d}", "Evaluation": "Regional programme evaluation",
                         "Country": "", "Region": rng.choice(list(REGIONS)), "Pillar": "", "Year": "2026", "Finding": g})
    pd.DataFrame(lessons).to_excel(folder / "lessons.xlsx", index=False)
    pd.DataFrame(findings).to_excel(folder / "findings.xlsx", index=False)
    pd.DataFrame(truth).to_csv(folder / "links_truth.csv", index=False)


MAPPING = """# Column mapping from the hub's exports to kmsynth's canonical tables.
posts:
  columns:
    post_id: Post ID
    thread_id: Thread
    title: Subject
    text: Body
    created_at: Posted
    author: Member
    region: Region
    country: Country
    language: Lang
    source: Community
    consent_to_quote: May quote
  dates:
    order: DMY
    timezone: UTC
survey:
  columns:
    response_id: _id
    submitted_at: _submission_time
    respondent_group: Which best describes your organisation?
    region: Region
    language: Language
    wave: Event
    consent_to_quote: May we quote you (anonymously)?
  likert:
{likert}
  open_ended:
    - What was most useful?
    - What should we improve?
findings:
  columns:
    finding_id: Finding ID
    text: Finding
    evaluation: Evaluation
    country: Country
    region: Region
    pillar: Pillar
    year: Year
lessons:
  columns:
    lesson_id: Lesson ID
    text: Lesson
    title: Title
    type: Type
    country: Country
    region: Region
    pillar: Pillar
    source: Source
"""

CONFIG = """# kmsynth configuration for the bundled sample (paths relative to this file).
data:
  posts: posts.csv
  survey: survey.csv
  findings: findings.xlsx
  lessons: lessons.xlsx
  mapping: mapping.yml
privacy:
  min_cell: 10
  block_list:
{names}
embedding:
  embedder: minilm
  cache_dir: ../../.kmsynth-cache
report:
  title: Knowledge hub monthly report (sample data)
"""


def main() -> None:
    rng = random.Random(20260501)
    OUT.mkdir(parents=True, exist_ok=True)
    posts, members = make_posts(rng)
    n = write_posts(posts, OUT / "posts.csv")
    write_survey(rng, OUT / "survey.csv")
    write_findings_lessons(rng, OUT)
    likert = "\n".join(f"    - {item}" for item in ITEMS)
    (OUT / "mapping.yml").write_text(MAPPING.replace("{likert}", likert), encoding="utf-8")
    names = "\n".join(f"    - {m}" for m in sorted(members))
    (OUT / "kmsynth.yml").write_text(CONFIG.replace("{names}", names), encoding="utf-8")
    print(f"wrote {n} post rows, 200 survey responses, findings and lessons into {OUT}")


if __name__ == "__main__":
    main()
