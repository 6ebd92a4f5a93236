"""The bundled sample (data/sample/) loads through `prepare`, its ledger adds up, every planted
bad row is caught with the right reason, planted personal data does not survive redaction, and
regenerating it gives the same files."""

from __future__ import annotations

import importlib.util
import itertools
import re
from pathlib import Path

import pandas as pd
import pytest

from kmsynth.cli.main import main as cli_main
from kmsynth.config import load_config
from kmsynth.ingest.prepare import prepare
from kmsynth.ingest.schemas import LESSON_TYPES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def _generator():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "data" / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen():
    return _generator()


@pytest.fixture(scope="module")
def cfg():
    return load_config(SAMPLE / "kmsynth.yml")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The export as a user would see it in a spreadsheet: text only, nothing read as missing."""
    return pd.read_csv(SAMPLE / "posts.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def posts(cfg):
    return prepare("posts", cfg.data.posts, cfg)


# --------------------------------------------------------------------------------------------
# posts: the ledger


def test_posts_ledger_adds_up_to_the_rows_of_the_export(posts, raw) -> None:
    led = posts.ledger
    led.check()
    assert 1300 <= len(raw) <= 1700 and raw["Thread"].nunique() >= 240
    assert led.rows_read == len(raw)
    assert led.counts() == {"kept": len(raw) - 8, "merged": 3, "excluded": 5, "out_of_period": 0}
    assert len(posts.table) == len(raw) - 8


def test_each_planted_bad_row_is_caught_with_its_reason(posts, raw) -> None:
    f = posts.ledger.frame
    excluded = f[f["status"] == "excluded"]
    assert excluded.groupby("reason").size().to_dict() == {
        "empty_text": 2,
        "no_words": 1,
        "bad_date": 1,
        "duplicate_id_different_text": 1,
    }

    def ids(reason: str) -> set[str]:
        return set(excluded.loc[excluded["reason"] == reason, "record_id"])

    # the planted rows, found in the raw export independently of kmsynth
    assert ids("empty_text") == set(raw.loc[raw["Body"].str.strip() == "", "Post ID"])
    assert ids("no_words") == set(raw.loc[raw["Body"] == "🙏🙏🙏", "Post ID"])
    assert ids("bad_date") == set(raw.loc[raw["Posted (UTC)"] == "31/02/2026 10:00", "Post ID"])
    exact = raw[raw.duplicated(keep="first")]
    assert len(exact) == 3
    merged = f[f["status"] == "merged"]
    assert set(merged["reason"]) == {"duplicate_row"}
    assert sorted(merged["record_id"]) == sorted(exact["Post ID"]) == sorted(merged["merged_into"])
    same_id = raw[raw["Post ID"].duplicated(keep=False) & ~raw.duplicated(keep=False)]
    assert len(same_id) == 2 and same_id["Post ID"].nunique() == 1
    assert ids("duplicate_id_different_text") == set(same_id["Post ID"])
    # the later version is the one left out, and it is the only row with that id left out
    later = f[(f["record_id"] == same_id["Post ID"].iloc[0])]
    assert list(later["status"]) == ["kept", "excluded"]


def test_problems_name_file_row_line_and_column_never_the_text(posts, raw) -> None:
    bodies = [b for b in raw["Body"] if len(b.strip()) > 8]
    for p in posts.problems:
        assert p.file and p.row and p.line and p.column and p.rule
        assert p.line > p.row  # a header line and multi-line posts come before
        assert not any(b in str(p) for b in bodies)


def test_cli_validate_exits_2_for_posts_and_0_for_the_rest(capsys) -> None:
    mapping = str(SAMPLE / "mapping.yml")
    assert cli_main(["validate", "posts", str(SAMPLE / "posts.csv"), "--mapping", mapping]) == 2
    err = capsys.readouterr().err
    assert "4 row(s) break the rules" in err
    assert err.count("the text is empty") == 2 and "the date cannot be read" in err
    assert "used before" in err
    for kind, name in (
        ("survey", "survey.csv"),
        ("findings", "findings.xlsx"),
        ("lessons", "lessons.xlsx"),
    ):
        assert cli_main(["validate", kind, str(SAMPLE / name), "--mapping", mapping]) == 0, kind


# --------------------------------------------------------------------------------------------
# posts: what must survive, what must not


def test_text_that_looks_like_a_missing_value_or_a_number_survives(posts) -> None:
    t = posts.table.set_index("post_id")
    na = t[t["text"] == "NA"]
    assert len(na) == 1 and na["country"].iloc[0] == "Namibia"
    assert "007" in t.index and t.loc["007", "created_at"] == pd.Timestamp(
        "2026-05-01 08:00", tz="UTC"
    )


def test_script_payloads_are_kept_as_text_for_the_renderer_to_escape(posts) -> None:
    texts = posts.table["text"]
    assert texts.str.contains("<script>alert(1)</script>", regex=False).sum() == 1
    assert texts.str.contains("<img src=x onerror=alert(1)>", regex=False).sum() == 1


def test_no_planted_personal_data_survives_redaction(posts, raw, cfg, gen) -> None:
    phones = [p for ps in gen.PHONES.values() for p in ps]
    before = "\n".join(raw["Body"])
    # the plants are there to begin with ...
    assert re.search(r"\w@example\.(org|net)", before) and " at gmail dot com" in before
    assert "[at] example [dot] org" in before and re.search(r"(?<!\w)@[a-z]+_[a-z]+", before)
    assert sum(p in before for p in phones) >= 8
    assert "facebook.com/" in before and "example.org/~" in before
    assert any(place in before for place in gen.PLACES)
    # ... and gone after prepare()
    after = "\n".join(posts.table["text"]) + "\n".join(posts.table["title"])
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", after)
    assert not re.search(r"(?<![\w@])@[A-Za-z0-9_]{2,}", after)
    assert " dot com" not in after and "[at]" not in after
    assert not [p for p in phones if p in after]
    assert not re.search(r"facebook\.com/|instagram\.com/|linkedin\.com/in/|example\.org/~", after)
    assert not [n for n in cfg.privacy.block_list if n in after]
    assert not [p for p in gen.PLACES if p in after]
    assert all(
        posts.redactions[k] > 0
        for k in ("[EMAIL]", "[PHONE]", "[URL]", "[HANDLE]", "[NAME]", "[PLACE]")
    )
    assert "author" not in posts.table.columns and posts.table["author_id"].str.len().min() > 4


def test_years_percentages_and_counts_are_not_redacted(posts) -> None:
    text = "\n".join(posts.table["text"])
    assert len(re.findall(r"\b20[12]\d\b", text)) > 200
    assert len(re.findall(r"\b\d{1,2}%", text)) > 100
    assert "within 24 hours" in text and re.search(r"\b\d{1,2},\d{3} (calls|survivors|women)", text)
    assert posts.redactions["[ID]"] == 0


# --------------------------------------------------------------------------------------------
# posts: shape and planted trends


def test_six_full_months_seven_regions_and_mostly_english(posts) -> None:
    t = posts.table
    months = t["created_at"].dt.strftime("%Y-%m").value_counts()
    assert sorted(months.index) == MONTHS and months.min() >= 200
    assert set(t["region"]) - {""} == {
        "Africa",
        "Latin America",
        "Caribbean",
        "Asia",
        "Pacific",
        "Arab States",
        "Europe and Central Asia",
    }
    langs = t["language"].value_counts(normalize=True)
    assert 0.75 <= langs["en"] <= 0.85
    assert {"es", "fr", "pt", "ar"} <= set(langs.index) and (t["language"] == "ar").sum() >= 5
    assert 0.55 <= t["quotable"].mean() <= 0.65  # consent for about 60%


def test_planted_trends_are_in_the_data(posts, gen) -> None:
    topic_of = {
        title: key
        for key, spec in gen.TOPICS.items()
        for lang in ("en", "es", "fr", "pt")
        for title in (spec.get(lang) or {}).get("titles", [])
    }
    t = posts.table.assign(
        topic=posts.table["title"].str.removeprefix("Re: ").map(topic_of),
        month=posts.table["created_at"].dt.strftime("%Y-%m"),
    )
    assert t["topic"].notna().mean() > 0.95  # every thread but the welcome thread is on a topic

    def per_month(mask: pd.Series) -> list[int]:
        return [int(n) for n in t[mask].groupby("month").size().reindex(MONTHS, fill_value=0)]

    data_latam = per_month(t["topic"].isin(gen.DATA_TOPICS) & (t["region"] == "Latin America"))
    assert all(a < b for a, b in itertools.pairwise(data_latam)), (
        data_latam
    )  # rising month on month
    online = per_month(t["topic"] == "online")
    assert online[:4] == [0, 0, 0, 0] and min(online[4:]) >= 30  # new in the last two months
    police = per_month(t["topic"] == "police")
    assert (
        all(a >= b for a, b in itertools.pairwise(police)) and police[0] >= 4 * police[-1]
    )  # fading


# --------------------------------------------------------------------------------------------
# survey, findings, lessons


def test_survey_two_waves_a_tiny_group_and_redacted_open_answers(cfg) -> None:
    prep = prepare("survey", cfg.data.survey, cfg)
    prep.ledger.check()
    t = prep.table
    assert len(t) == 200 and not prep.errors
    assert t.groupby("wave")["submitted_at"].agg(
        lambda d: set(d.dt.strftime("%Y-%m"))
    ).to_dict() == {"Webinar 1 (June)": {"2026-06"}, "Webinar 2 (September)": {"2026-09"}}
    assert t["respondent_group"].value_counts()["Donor"] == 3
    assert len(prep.mapping.likert) == 5 and len(prep.mapping.open_ended) == 2
    answers = "\n".join(t["What was most useful?"]) + "\n".join(t["What should we improve?"])
    assert "example.org" not in answers and "555 0199" not in answers
    assert (
        prep.redactions["[EMAIL]"] == 1
        and prep.redactions["[PHONE]"] == 1
        and prep.redactions["[NAME]"] == 1
    )


def test_findings_lessons_and_the_true_links(cfg) -> None:
    f = prepare("findings", cfg.data.findings, cfg)
    les = prepare("lessons", cfg.data.lessons, cfg)
    for prep in (f, les):
        prep.ledger.check()
        assert not prep.problems  # every pillar and lesson type is understood
    assert len(f.table) == 60 and len(les.table) == 80
    assert f.table["pillar"].notna().sum() == 60 and set(f.table["pillar"]) == {1, 2, 3, 4, 5, 6}
    assert set(les.table["type"]) == set(LESSON_TYPES)
    truth = pd.read_csv(SAMPLE / "links_truth.csv", dtype=str)
    assert set(truth["finding_id"]) <= set(f.table["finding_id"])
    assert set(truth["lesson_id"]) <= set(les.table["lesson_id"])
    assert truth["relation"].value_counts().to_dict() == {"supports": 57, "contradicts": 8}
    supported = truth.loc[truth["relation"] == "supports", "finding_id"].nunique()
    assert 38 <= supported <= 44  # about two thirds of the findings support a lesson
    assert len(set(f.table["finding_id"]) - set(truth["finding_id"])) == 10  # gaps
    assert (
        len(set(les.table["lesson_id"]) - set(truth["lesson_id"])) == 15
    )  # lessons without evidence
    # paraphrased, not copied: no finding repeats a sentence of the lesson it supports
    lesson_text = les.table.set_index("lesson_id")["text"]
    finding_text = f.table.set_index("finding_id")["text"]
    for fid, lid in truth[["finding_id", "lesson_id"]].itertuples(index=False):
        sentences = [s for s in re.split(r"(?<=\.)\s+", lesson_text[lid]) if len(s) > 30]
        assert not any(s in finding_text[fid] for s in sentences), (fid, lid)


# --------------------------------------------------------------------------------------------
# regeneration


def test_regenerating_gives_the_same_files(tmp_path: Path, gen) -> None:
    import openpyxl

    gen.main(tmp_path)
    for name in ("posts.csv", "survey.csv", "links_truth.csv", "mapping.yml", "kmsynth.yml"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    for name in ("findings.xlsx", "lessons.xlsx"):
        a, b = openpyxl.load_workbook(tmp_path / name), openpyxl.load_workbook(SAMPLE / name)
        assert a.sheetnames == b.sheetnames
        for ws in a.worksheets:
            assert list(ws.values) == list(b[ws.title].values), name
    assert sum(p.stat().st_size for p in SAMPLE.iterdir()) < 2 * 2**20
