"""Loading 100,000 posts from CSV: kmsynth's load_table (validation + ledger) and prepare
(+ redaction, pseudonyms, language detection) against plain pandas.read_csv in the same run.

The posts read like the hub: 1-4 sentences (about 300 characters on average), three in four in
English and the rest in Spanish, French and Portuguese, 2% with contact details or a member's
name, dates as DD/MM/YYYY HH:MM. Each step runs in a fresh process so its peak memory is its own.
Language detection is also compared, on a 5,000-post subsample, with running lingua on every text
(what a user would otherwise do).

A second part reads real forum posts: 20 Newsgroups (multi-paragraph, quoted replies, commas
everywhere) from ../shared/datasets, written as CSV by pandas (csv quoting) and as XLSX, with
kmsynth's load_table against pandas.read_csv / pandas.read_excel (skipped when absent). A last
part times the refusal of a ~220 KB workbook of 1.5 million rows (size limits) against pandas
reading it with calamine and openpyxl (each in a fresh process, 180 s at most).

    python benchmarks/bench_load.py [--n 100000] [--real-n 18846] [--profile]

--profile also runs prepare under cProfile (pyinstrument is not a dependency) and prints the
functions that take the most time.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SENTENCES = {
    "en": [
        "We learned that a coordination body needs a secretariat with staff, or it stops meeting after a year.",  # noqa: E501
        "Shelter staff asked for guidance on supporting survivors with disabilities.",
        "Survivors need safe accommodation, legal aid and economic support at the same time.",
        "Community dialogues with men and boys challenged harmful masculinities in {c}.",
        "The helpline answered {n} calls this quarter, most of them at night.",
        "Our school programme reached {n} pupils and their teachers in {c}.",
        "Police and health workers now use one referral form, which cut waiting times.",
        "The national observatory published femicide data disaggregated by age and disability.",
        "Flexible core funding let women's organisations keep their staff through the crisis.",
        "Has anyone evaluated a one-stop centre in a rural district?",
        "Parliament adopted the domestic violence bill after two years of advocacy.",
        "Thanks for sharing, this is very useful for our team in {c}.",
    ],
    "es": [
        "Aprendimos que los refugios necesitan financiamiento estable para mantener al personal.",
        "Los diálogos comunitarios con hombres y niños cuestionaron las masculinidades violentas en {c}.",  # noqa: E501
        "La línea de ayuda atendió {n} llamadas este trimestre, la mayoría por la noche.",
        "Es fundamental trabajar con los hombres como aliados sin quitar espacio al liderazgo de las mujeres.",  # noqa: E501
        "El observatorio nacional publicó datos de feminicidio desagregados por edad.",
        "Gracias por compartir, es muy útil para nuestro equipo en {c}.",
    ],
    "fr": [
        "Nous avons appris que les refuges ont besoin d'un financement stable pour garder le personnel.",  # noqa: E501
        "La ligne d'écoute gratuite oriente les appelantes vers les services de santé, de police et d'hébergement.",  # noqa: E501
        "Le parlement a adopté la réforme de la loi sur les violences conjugales après deux ans de plaidoyer.",  # noqa: E501
        "Les associations de femmes ont formé {n} policiers à l'accueil des survivantes au {c}.",
    ],
    "pt": [
        "Aprendemos que os abrigos precisam de financiamento estável para manter a equipe.",
        "No {c}, o financiamento flexível permitiu às organizações de mulheres manter a sua equipa durante a crise.",  # noqa: E501
        "A nossa experiência mostra que um centro integrado reduz o número de vezes que uma sobrevivente tem de contar a sua história.",  # noqa: E501
        "Uma lição importante é que um órgão de coordenação precisa de uma secretaria com pessoal.",
    ],
}
OPENERS = {
    "en": ["Greetings from {c}.", "Hello from the team in {c}.", "A question for colleagues:"],
    "es": ["Saludos desde {c}.", "Hola desde el equipo en {c}."],
    "fr": ["Bonjour depuis le {c}.", "Salutations de l'équipe au {c}."],
    "pt": ["Olá do {c}.", "Saudações da equipa em {c}."],
}
CLOSERS = {
    "en": "Our partners in {d} district agree.",
    "es": "Nuestras aliadas en {d} están de acuerdo.",
    "fr": "Nos partenaires de {d} sont d'accord.",
    "pt": "As nossas parceiras em {d} concordam.",
}
SYLLABLES = [
    "ka",
    "mo",
    "li",
    "na",
    "to",
    "be",
    "ra",
    "si",
    "du",
    "wa",
    "me",
    "jo",
    "ku",
    "ta",
    "ni",
    "lo",
    "ba",
    "fe",
    "zi",
    "pa",
]
COUNTRIES = [
    "Kenya",
    "Mexico",
    "Liberia",
    "Samoa",
    "Niger",
    "Argentina",
    "Haiti",
    "Mozambique",
    "Philippines",
    "El Salvador",
    "Malawi",
    "Jamaica",
    "Timor-Leste",
    "Senegal",
]
FIRST = ["Amina", "Rosa", "Grace", "Esther", "Imani", "Lucia", "Akosua", "Maria", "Fatou", "Ana"]
LAST = ["Okafor", "Pereira", "Mensah", "Kamau", "Campbell", "Ndlovu", "Diaz", "Silva", "Traore"]


def make(path: Path, n: int, seed: int = 0) -> None:
    """Write `n` synthetic hub posts (the columns of a real export, not canonical names)."""
    rng = random.Random(seed)
    prev = ""
    langs = rng.choices(["en", "es", "fr", "pt"], weights=[75, 12, 7, 6], k=n)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Post ID", "Body", "Posted", "Member", "Region"])
        for i, lang in enumerate(langs):
            k = min(1 + int(rng.expovariate(1 / 2.6)), 14)  # mostly 1-4 sentences, a long tail
            text = " ".join(rng.sample(SENTENCES[lang], min(k, len(SENTENCES[lang]))))
            if k > len(SENTENCES[lang]):
                text += " " + " ".join(rng.choices(SENTENCES[lang], k=k - len(SENTENCES[lang])))
            if rng.random() < 0.6:
                text = rng.choice(OPENERS[lang]).format(c=rng.choice(COUNTRIES)) + " " + text
            if rng.random() < 0.7:  # most posts say something of their own
                text += " " + CLOSERS[lang]
            district = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize()
            text = text.format(c=rng.choice(COUNTRIES), n=rng.randint(12, 9400), d=district)
            if i % 50 == 7 and prev:  # a few exact reposts (2%), as in real exports
                text = prev
            prev = text
            member = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if i % 50 == 0:
                text += f" Contact me at member{i}@example.org or +254 712 {i % 1000000:06d}."
            elif i % 50 == 25:
                text += f" Thanks to {rng.choice(FIRST)} {rng.choice(LAST)} for the idea."
            posted = (
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026 "
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
            )
            w.writerow(
                [
                    f"P{i:06d}",
                    text,
                    posted,
                    member,
                    rng.choice(["Africa", "Asia", "Pacific", "Latin America", "Caribbean"]),
                ]
            )


def _peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: ru_maxrss would carry the parent's
    peak over the exec of a spawned process)."""
    import resource

    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step(name: str, csv_path: str, mapping: str, cache: str, queue) -> None:
    """One step in a fresh process: (wall seconds, CPU seconds, peak RSS MB, note)."""
    import pandas as pd

    from kmsynth.config import load_config
    from kmsynth.ingest import load_table, prepare

    note = ""
    if name == "baseline":
        from kmsynth.protect.languages import _detector

        _detector()  # what importing and loading the model costs, for reference
        t = c = 0.0
    elif name == "pandas":
        t0, c0 = time.perf_counter(), time.process_time()
        df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        note = f"{len(df):,} rows"
    elif name == "load_table":
        t0, c0 = time.perf_counter(), time.process_time()
        loaded = load_table("posts", csv_path, mapping=mapping)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        note = loaded.ledger.summary()
    else:  # prepare: everything a run pays, language model loading included
        cfg = load_config(None)
        cfg = cfg.with_overrides({"embedding.cache_dir": Path(cache)})
        t0, c0 = time.perf_counter(), time.process_time()
        prep = prepare("posts", csv_path, cfg, mapping=mapping)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        langs = prep.table["language"].value_counts()
        note = (
            "languages "
            + ", ".join(f"{k} {v:,}" for k, v in langs.items())
            + " | redacted "
            + ", ".join(f"{k} {v:,}" for k, v in prep.redactions.items() if v)
        )
    queue.put((t, c, _peak_mb(), note))


def run_step(name: str, *args) -> tuple[float, float, float, str]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_step, args=(name, *args, q))
    p.start()
    out = q.get()
    p.join()
    return out


def compare_language(
    csv_path: Path, k: int = 5000, column: str = "Body"
) -> tuple[float, float, float, float, int, int]:
    """kmsynth.detect_languages vs lingua on every text, on the first k posts: wall and CPU
    seconds of each, how many labels differ, and how many texts."""
    import pandas as pd

    from kmsynth.protect.languages import _detector, detect_languages

    texts = pd.read_csv(csv_path, dtype=str, keep_default_na=False, nrows=k)[column].tolist()
    det = _detector()
    det.detect_language_of("warm up: the models load on first use")
    t0, c0 = time.perf_counter(), time.process_time()
    plain = det.detect_languages_in_parallel_of([t[:300] for t in texts])
    t_plain, c_plain = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    ours = detect_languages(texts)
    t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0
    plain = [x.iso_code_639_1.name.lower() if x else "und" for x in plain]
    return (
        t_plain,
        c_plain,
        t_ours,
        c_ours,
        sum(a != b for a, b in zip(plain, ours, strict=True)),
        len(texts),
    )


def profile_prepare(csv_path: Path, mapping: Path, cache: Path) -> None:
    import cProfile
    import pstats

    from kmsynth.config import load_config
    from kmsynth.ingest.prepare import prepare

    cfg = load_config(None)
    cfg = cfg.with_overrides({"embedding.cache_dir": cache})
    prof = cProfile.Profile()
    prof.runcall(prepare, "posts", csv_path, cfg, mapping=mapping)
    print("\nprepare under cProfile (top 20 by own time):")
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def real_posts(tmp: Path, n: int, xlsx_n: int = 5000) -> None:
    """20 Newsgroups posts as CSV (csv module) and XLSX: load_table vs plain pandas."""
    import json

    import pandas as pd

    from kmsynth.ingest import load_table

    src = DATASETS / "20ng.jsonl"
    if not src.is_file():
        print(f"\nreal posts: {src} absent, skipped")
        return
    with src.open(encoding="utf-8") as fh:
        recs = [json.loads(line) for _, line in zip(range(n), fh, strict=False)]
    df = pd.DataFrame({"id": [str(r["id"]) for r in recs], "text": [r["text"] for r in recs]})
    p = tmp / "20ng.csv"
    df.to_csv(p, index=False)  # QUOTE_MINIMAL: what pandas, Python and Excel write
    multi = int(df["text"].str.contains("\n\n").sum())
    commas = int((df["text"].str.count(",") >= 10).sum())
    print(
        f"\nreal posts: 20 Newsgroups, first {len(df):,} posts ({multi:,} with several "
        f"paragraphs, {commas:,} with 10+ commas), {p.stat().st_size / 2**20:.1f} MB CSV"
    )
    t_pd, plain = _timed(lambda: pd.read_csv(p, dtype=str, keep_default_na=False))
    t_km, loaded = _timed(lambda: load_table("documents", p, id_col="id", text_col="text"))
    same = loaded.table.set_index("doc_id")["text"].reindex(plain["id"]).eq(plain["text"].values)
    print(
        f"  CSV  pandas.read_csv {t_pd:6.2f} s {len(plain):,} rows | kmsynth load_table "
        f"{t_km:6.2f} s ({t_km / t_pd:.1f}x), {loaded.ledger.summary()}; "
        f"{int(same.sum()):,} texts identical to pandas'; excluded: {loaded.ledger.reasons()}"
    )
    stray_quotes(tmp, df["text"].head(3000).tolist())
    x = tmp / "20ng.xlsx"
    illegal = "[\x00-\x08\x0b\x0c\x0e-\x1f]"  # characters XLSX cannot hold
    small = df.head(xlsx_n).assign(text=lambda d: d["text"].str.replace(illegal, "", regex=True))
    small.to_excel(x, index=False)
    t_pd, plain = _timed(lambda: pd.read_excel(x, dtype=str, keep_default_na=False))
    t_km, loaded = _timed(lambda: load_table("documents", x, id_col="id", text_col="text"))
    print(
        f"  XLSX pandas.read_excel (openpyxl) {t_pd:6.2f} s {len(plain):,} rows | kmsynth "
        f"load_table (calamine) {t_km:6.2f} s ({t_km / t_pd:.2f}x), {loaded.ledger.summary()}"
    )


def stray_quotes(tmp: Path, texts: list[str], trials: int = 40, seed: int = 0) -> None:
    """Stray quotes put into real posts (one per file: a quoted field left open, or a quote
    opened): how many files are refused with the line, how many lose rows silently."""
    import csv
    import io

    from kmsynth.errors import InputError
    from kmsynth.ingest import load_table

    texts = [t.replace('"', "'") for t in texts]  # the injected quote is the only stray one
    rng = random.Random(seed)
    res = {"refused": 0, "rows lost silently": 0, "read whole": 0}
    for _ in range(trials):
        k = rng.randrange(len(texts) - 3)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "text"])
        for i, t in enumerate(texts):
            row = io.StringIO()
            csv.writer(row, lineterminator="\n").writerow([str(i + 1), t])
            line = row.getvalue()
            if i == k:  # drop the closing quote, or open one that never closes
                line = line[:-2] + "\n" if line.endswith('"\n') else line.replace(",", ',"', 1)
            buf.write(line)
        p = tmp / "stray.csv"
        p.write_text(buf.getvalue(), encoding="utf-8")
        try:
            lo = load_table("documents", p, id_col="id", text_col="text")
            res["rows lost silently" if lo.ledger.rows_read < len(texts) else "read whole"] += 1
        except InputError:
            res["refused"] += 1
    print(f"  stray quotes put into {trials} copies of the first {len(texts):,} posts: {res}")


def _read_big_xlsx(path: str, how: str, queue) -> None:

    import pandas as pd

    from kmsynth.ingest import read_raw

    t0 = time.perf_counter()
    try:
        if how == "kmsynth":
            read_raw(path)
            note = "read"
        else:
            note = f"{len(pd.read_excel(path, dtype=str, engine=how)):,} rows"
    except Exception as exc:  # the refusal is the expected outcome for kmsynth
        note = type(exc).__name__
    queue.put((time.perf_counter() - t0, _peak_mb(), note))


def big_workbook(tmp: Path, rows: int = 1_500_000, limit_s: float = 180.0) -> None:
    """A small XLSX that expands to `rows` rows: kmsynth's refusal vs plain pandas.read_excel."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.test_ingest_trust import write_many_rows_xlsx

    p = tmp / "many_rows.xlsx"
    write_many_rows_xlsx(p, rows)
    print(f"\nsize limits: an XLSX of {p.stat().st_size / 1024:.0f} KB holding {rows:,} rows")
    ctx = mp.get_context("spawn")
    for how in ("kmsynth", "calamine", "openpyxl"):
        q = ctx.Queue()
        proc = ctx.Process(target=_read_big_xlsx, args=(str(p), how, q))
        proc.start()
        proc.join(limit_s)
        if proc.is_alive():
            proc.kill()
            print(f"  {how:9} did not finish in {limit_s:.0f} s")
            continue
        t, peak, note = q.get()
        name = "kmsynth read_raw (default limits)" if how == "kmsynth" else f"pandas ({how})"
        print(f"  {name:34} {t:7.2f} s, peak {peak:6.0f} MB: {note}")


def main(n: int, profile: bool = False, real_n: int = 18_846) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "posts.csv"
        make(p, n)
        m = Path(tmp) / "mapping.yml"
        m.write_text(
            "posts:\n  columns: {post_id: Post ID, text: Body, created_at: Posted, "
            "author: Member, region: Region}\n  dates: {order: DMY}\n"
        )
        import pandas as pd

        lengths = pd.read_csv(p, dtype=str, keep_default_na=False)["Body"].str.len()
        print(
            f"{n:,} posts, {p.stat().st_size / 2**20:.1f} MB, text length mean "
            f"{lengths.mean():.0f} "
            f"/ median {lengths.median():.0f} / max {lengths.max():,} characters, "
            f"{os.cpu_count()} CPUs (shared)"
        )
        args = (str(p), str(m), str(Path(tmp) / "cache"))
        base = run_step("baseline", *args)
        rows = [
            ("pandas.read_csv (plain)", *run_step("pandas", *args)),
            ("kmsynth load_table", *run_step("load_table", *args)),
            ("kmsynth prepare (full)", *run_step("prepare", *args)),
        ]
        t_plain_read = rows[0][1]
        print(
            f"\n{'step':26} {'wall s':>8} {'CPU s':>8} {'rows/s':>10} {'x plain':>8} {'peak MB':>8}"
        )
        for name, t, c, mem, _ in rows:
            print(f"{name:26} {t:8.2f} {c:8.2f} {n / t:10,.0f} {t / t_plain_read:8.1f} {mem:8.0f}")
        print(
            f"(rows/s and 'x plain' from wall time; CPU s counts all threads. A fresh process with "
            f"kmsynth and the language model loaded peaks at {base[2]:.0f} MB)"
        )
        for name, _, _, _, note in rows[1:]:
            print(f"{name}: {note}")
        print(
            "\nlanguage detection: lingua on every text vs kmsynth.detect_languages "
            "(function-word fast path, lingua for the rest)"
        )
        sample = Path(__file__).resolve().parent.parent / "data" / "sample" / "posts.csv"
        for name, path, col in (
            ("synthetic posts above", p, "Body"),
            ("bundled sample posts", sample, "Body"),
        ):
            if not path.is_file():
                continue
            t_plain, c_plain, t_ours, c_ours, differ, k = compare_language(path, column=col)
            print(
                f"  {name} ({k:,}): lingua {t_plain:.2f} s ({c_plain:.2f} s CPU), kmsynth "
                f"{t_ours:.2f} s ({c_ours:.2f} s CPU): "
                f"{c_plain / max(c_ours, 1e-9):.1f}x less CPU; "
                f"{differ} labels differ"
            )
        real_posts(Path(tmp), real_n)
        big_workbook(Path(tmp))
        if profile:
            profile_prepare(p, m, Path(tmp) / "cache")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--real-n", type=int, default=18_846, help="20 Newsgroups posts to read")
    ap.add_argument("--profile", action="store_true", help="also profile prepare (cProfile)")
    a = ap.parse_args()
    main(a.n, a.profile, a.real_n)
