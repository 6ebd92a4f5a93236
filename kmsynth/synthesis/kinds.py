"""What a sentence does: a lesson, a practice, a recommendation, a question, a courtesy, an
experience or something else (en/es/fr/pt).

A small logistic regression that ships as package data (``resources/kinds_model.json``: plain
numbers, no pickle) scores how likely a sentence states knowledge another practitioner can use
(a lesson, a practice or a piece of advice). Its features are hashed words and word pairs, the
first word (imperatives), and mood cues: modals, imperatives, first and second person, past
tense, questions, courtesy, and the lesson and practice cue lists of earlier versions. Simple
rules then name the kind. ``benchmarks/bench_kinds.py --train`` regenerates the model.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from kmsynth.embed.embedders import DEFAULT_CACHE, Embedder
from kmsynth.synthesis.quotes import COURTESY, is_question
from kmsynth.text import countries_in, fold

KINDS = ("lesson", "practice", "recommendation", "question", "courtesy", "experience", "other")
KNOWLEDGE = frozenset({"lesson", "practice", "recommendation"})
MODEL_RESOURCE = "kinds_model.json"
N_BUCKETS = 2**14

# --------------------------------------------------------------------------------------------
# cue lists (features, and the rules that name the kind)

LESSON_CUES: dict[str, re.Pattern] = {
    "en": re.compile(
        r"^(?:lessons?|recommendations?)\b|\b(?:we (?:have |'ve )?(?:learned|learnt|realised|"
        r"realized|found that)|(?:the|a|one|our|key|main|"
        r"important|big|biggest) lessons?\b|lessons? (?:learned|learnt|from)|it is (?:essential|"
        r"critical|crucial|"
        r"key|vital|important|necessary|fundamental)|(?:is|are|was|were) (?:essential|critical|"
        r"crucial|vital|key) "
        r"(?:to|for|in)|key to (?:the )?success|(?:a |the )?key (?:factor|ingredient|was|is)|"
        r"success factor|"
        r"(?:we|i) (?:would )?(?:strongly )?recommend|our recommendation|works? best when|"
        r"only works? when|"
        r"what worked|made the difference|should (?:always|never|be|start|include|involve|engage|"
        r"ensure)|"
        r"must (?:be|reach|include|involve|start)|(?:takes|took) (?:at least|time|years))\b",
        re.I,
    ),
    "es": re.compile(
        r"^(?:lecciones|recomendaciones)\b|\b(?:aprendimos|hemos aprendido|nos dimos cuenta|(?:la|"
        r"una|nuestra|principal) lecci[oó]n|"
        r"lecciones aprendidas|es (?:fundamental|esencial|clave|crucial|imprescindible|importante|"
        r"necesario|vital)|"
        r"(?:son|fue|fueron) (?:fundamentales|esenciales|clave|cruciales)|"
        r"la clave (?:del [ée]xito|fue|es|est[áa])|"
        r"(?:les |os )?recomendamos|se recomienda|funciona mejor cuando|solo funciona cuando|"
        r"lo que funcion[óo]|"
        r"deber[íi]an? (?:ser|incluir|empezar|involucrar|garantizar))\b",
        re.I,
    ),
    "fr": re.compile(
        r"^(?:le[çc]ons|recommandations)\b|\b(?:nous avons (?:appris|compris|constat[ée])|(?:on|"
        r"nous) a appris|(?:la|une|notre|principale) le[çc]on|"
        r"le[çc]ons apprises|il est (?:essentiel|crucial|important|indispensable|fondamental|"
        r"n[ée]cessaire|vital)|"
        r"(?:est|sont|[ée]tait) (?:essentiel|essentielle|essentiels|cruciale?s?|indispensables?|"
        r"fondamental)|"
        r"la cl[ée] (?:du succ[eè]s|de la r[ée]ussite|a [ée]t[ée]|est)|nous recommandons|"
        r"(?:il est|on) recommand[ée]|"
        r"fonctionne mieux (?:quand|lorsque)|ce qui a (?:fonctionn[ée]|march[ée])|"
        r"(?:doit|doivent|devrait|devraient) (?:[êe]tre|inclure|commencer|impliquer|garantir))\b",
        re.I,
    ),
    "pt": re.compile(
        r"^(?:li[çc][õo]es|recomenda[çc][õo]es)\b|\b(?:aprendemos|(?:n[óo]s )?percebemos|(?:a|uma|"
        r"nossa|principal) li[çc][ãa]o|li[çc][õo]es aprendidas|"
        r"[ée] (?:fundamental|essencial|crucial|imprescind[íi]vel|importante|necess[áa]rio|vital)|"
        r"(?:s[ãa]o|foi|foram) (?:fundamentais|essenciais|cruciais|chave)|a chave (?:do sucesso|"
        r"foi|[ée]|est[áa])|"
        r"recomendamos|recomenda-se|funciona melhor quando|s[óo] funciona quando|o que funcionou|"
        r"(?:deve|devem|deveria|deveriam) (?:ser|incluir|come[çc]ar|envolver|garantir))\b",
        re.I,
    ),
}

PRACTICE_VERBS = re.compile(
    r"\b(?:established|launched|introduced|set up|created|expanded|piloted|trained|adopted|"
    r"developed|opened|"
    r"rolled out|scaled up|started|built|institutionali[sz]ed|integrated|now (?:meets|publishes|"
    r"runs|offers|uses)|"
    r"estableci[óo]|lanz[óo]|impuls[óo]|cre[óo]|implement[óo]|ampli[óo]|capacit[óo]|abri[óo]|"
    r"desarroll[óo]|"
    r"inici[óo]|puso en marcha|(?:ha|han) (?:creado|establecido|lanzado|implementado|ampliado)|"
    r"a mis en place|a lanc[ée]|a cr[ée]{1,2}|a introduit|a form[ée]|a ouvert|a d[ée]velopp[ée]|"
    r"a [ée]tendu|"
    r"ont (?:mis en place|lanc[ée]|cr[ée]{1,2}|form[ée])|"
    r"estabeleceu|lan[çc]ou|criou|implementou|ampliou|capacitou|abriu|desenvolveu|iniciou|"
    r"(?:tem|têm) (?:criado|implementado))\b",
    re.I,
)
_LEARNED = re.compile(
    r"\b(?:learn(?:ed|t)?|lessons?|realis|realiz|experience shows|what we have seen|aprend|"
    r"lecci[oó]n|"
    r"experiencia muestra|appris|le[çc]on|exp[ée]rience montre|li[çc][ãa]o|li[çc][õo]es|"
    r"experi[êe]ncia mostra|percebemos)",
    re.I,
)
_MODAL = re.compile(
    r"\b(?:should|shouldn't|must|need(?:s)? to|have to|has to|ought to|it'?s (?:best|better|worth|"
    r"important|"
    r"good|ok|okay|fine|normal)|try to|make sure|deber[íi]?a?n?|debe[ns]?|hay que|tiene[ns]? que|"
    r"conviene|"
    r"doi[tv]|doivent|devrai[te]n?t?|il faut|faut|deve[ms]?|deveria[ms]?|precisa[ms]?|tem que|"
    r"têm que)\b",
    re.I,
)
_RECOMMEND = re.compile(
    r"\b(?:recommend|suggest|advise|advice|tip|recomend|sugier|sugerimos|conseill|recommand|sugiro|"
    r"sugerimos|aconselh)\w*",
    re.I,
)
_IMPERATIVE_EN = frozenset(
    """
    try make don't do let keep give take talk ask get find be use start stop consider remember avoid
    check look set tell put go read call see think wait show help focus include involve ensure build
    plan work listen pick buy stay leave hold teach explain praise offer allow limit reward ignore
    follow write speak call contact seek document record reach engage invest fund budget train
    never always just please
""".split()
)
_IMPERATIVE_OTHER = re.compile(
    r"^(?:no |nunca )?(?:intenta|prueba|haz|hagan|habla|hablen|busca|busquen|eviten?|incluyan?|"
    r"aseg[uú]rate|recuerda|involucren?|essayez|faites|parlez|[ée]vitez|incluez|assurez|cherchez|"
    r"n'h[ée]sitez|tente|fa[çc]a|fale|evite|inclua|procure|envolva|garanta)\b",
    re.I,
)
_YOU = re.compile(
    r"\b(?:you|your|yours|yourself|usted|ustedes|vous|votre|vos|você|vocês|seu|sua)\b", re.I
)
_I = re.compile(
    r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|yo|mi|mis|me|je|j'|mon|ma|mes|eu|meu|minha)\b",
    re.I,
)
_WE = re.compile(
    r"\b(?:we|we've|we're|our|us|nosotr[oa]s|nuestr[oa]s?|nous|notre|nos|n[óo]s|noss[oa]s?)\b", re.I
)
_PAST = re.compile(
    r"\b(?:was|were|had|did|went|got|said|told|\w{3,}ed|fue|fueron|ten[íi]a|hab[íi]a|"
    r"\w{3,}(?:[óo]|aron|ieron)|"
    r"[ée]tait|avait|a [ée]t[ée]|ai|avons|\w{3,}(?:ou|aram|eram|iram))\b",
    re.I,
)
# a past action (not "was", "were", "had"): what a practice reports
_ACTION = re.compile(
    r"\b(?!(?:was|were|had|did|used|needed|seemed|wanted|called|based|related|interested)\b)"
    r"(?:\w{3,}ed|built|began|made|ran|set up|brought|won|gave|took|"
    r"\w{3,}(?:[óo]|aron|ieron)|a \w{3,}[ée]|ont \w{3,}[ée]s?|\w{3,}(?:ou|aram|eram|iram))\b",
    re.I,
)
_CONDITION = re.compile(r"\b(?:if|when|unless|once|si|cuando|quand|lorsque|se|quando)\b", re.I)
_HOSTILE = re.compile(
    r"\b(?:hate|stupid|idiots?|dumb|fuck\w*|shit\w*|damn|crap|sucks?|bitch\w*|ass(?:hole)?|lol|lmao|"
    r"ugh|wtf|pathetic|disgusting|ridiculous|shut up|screw|pigs?|scum|trash|morons?|losers?|"
    r"shame on|ashamed of yourselves|give up|useless|estúpid[oa]s?|idiotas?|basura|cerdos?|"
    r"verg[üu]enza|imb[ée]ciles?|connards?|salauds?|honte [àa] vous|porcos?|lixo|vergonha)\b",
    re.I,
)
_GENERAL = re.compile(
    r"\b(?:it is|it's|this is|they are|es|son|est|sont|é|são)\s+(?:\w+\s+)?(?:important|essential|"
    r"key|"
    r"better|best|helpful|useful|crucial|necessary|normal|common|fundamental|importante|esencial|"
    r"clave|"
    r"essentiel|utile|[úu]til|necess[áa]rio)\b",
    re.I,
)
_PLAN_OR_OFFER = re.compile(
    r"\b(?:happy to|glad to|would love to|looking forward|we will|we'll|i will|i'll|"
    r"we are (?:starting|"
    r"planning|designing|preparing|about to)|(?:can|could) share|would (?:help|be useful for|"
    r"be great for) "
    r"(?:us|our|me|my)|will (?:share|post|send)|interested in|"
    r"estamos (?:empezando|comenzando|planeando|dise[ñn]ando|a come[çc]ar|a preparar)|con gusto|"
    r"podemos (?:compartir|partilhar)|compartiremos|nous (?:commen[çc]ons|pr[ée]parons|"
    r"pouvons partager)|"
    r"partagerons|avec plaisir|vamos (?:partilhar|compartir)|teremos|gostar[íi]amos)\b",
    re.I,
)
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def lesson_language(text: str) -> str | None:
    """The language whose lesson cue `text` carries ('en', 'es', 'fr', 'pt'), or None."""
    for lang, pat in LESSON_CUES.items():
        if pat.search(text):
            return lang
    return None


def _first_word(text: str) -> str:
    m = _WORDS.search(text)
    return fold(m.group(0)) if m else ""


def mood_features(text: str) -> dict[str, float]:
    """Named cue features of one sentence (0/1 unless said otherwise)."""
    t = text.strip()
    words = _WORDS.findall(t)
    first = _first_word(t)
    return {
        "question": float(is_question(t)),
        "courtesy": float(bool(COURTESY.search(t))),
        "lesson_cue": float(lesson_language(t) is not None),
        "learned": float(bool(_LEARNED.search(t))),
        "practice_verb": float(bool(PRACTICE_VERBS.search(t))),
        "country": float(bool(countries_in(t))),
        "modal": float(bool(_MODAL.search(t))),
        "recommend": float(bool(_RECOMMEND.search(t))),
        "imperative": float(first in _IMPERATIVE_EN or bool(_IMPERATIVE_OTHER.search(t))),
        "you": float(bool(_YOU.search(t))),
        "i": float(bool(_I.search(t))),
        "we": float(bool(_WE.search(t))),
        "past": min(len(_PAST.findall(t)), 3) / 3,
        "condition": float(bool(_CONDITION.search(t))),
        "hostile": float(bool(_HOSTILE.search(t))),
        "general": float(bool(_GENERAL.search(t))),
        "plan_or_offer": float(bool(_PLAN_OR_OFFER.search(t))),
        "exclaim": float("!" in t),
        "digits": float(any(c.isdigit() for c in t)),
        "log_words": math.log1p(len(words)) / 4,
        "short": float(len(words) < 5),
    }


FEATURE_NAMES = tuple(mood_features("x"))


def _bucket(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) % N_BUCKETS


def hashed_tokens(text: str) -> list[int]:
    """Bucket indices of the sentence's folded words, word pairs and first word."""
    w = [fold(x) for x in _WORDS.findall(text)]
    toks = [f"w:{x}" for x in w] + [f"b:{a} {b}" for a, b in zip(w, w[1:], strict=False)]
    if w:
        toks.append(f"f:{w[0]}")
    return sorted({_bucket(t) for t in toks})


def context_vectors(embeddings: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """For each row, the mean of its neighbours' rows in the same group (the sentences before
    and after it in the same post); zeros for a sentence alone in its post."""
    E = np.asarray(embeddings, dtype=np.float64)
    out = np.zeros_like(E)
    n = np.zeros(len(E))
    g = list(groups)
    for i in range(1, len(g)):
        if g[i] == g[i - 1]:
            out[i] += E[i - 1]
            out[i - 1] += E[i]
            n[i] += 1
            n[i - 1] += 1
    return out / np.maximum(n, 1)[:, None]


def feature_matrix(texts: Sequence[str], embeddings: np.ndarray, groups: Sequence[str]) -> Any:
    """A scipy CSR matrix of one row per sentence: hashed tokens (binary, scaled by
    1/sqrt(count)), the mood features, the sentence embedding, half its neighbours' mean
    embedding (`groups`: the post of each sentence, in order) and "first in its post"."""
    from scipy.sparse import csr_matrix, hstack

    rows, cols, vals = [], [], []
    for r, t in enumerate(texts):
        b = hashed_tokens(t)
        scale = 1 / math.sqrt(len(b)) if b else 0.0
        rows += [r] * len(b)
        cols += b
        vals += [scale] * len(b)
        for j, v in enumerate(mood_features(t).values()):
            if v:
                rows.append(r)
                cols.append(N_BUCKETS + j)
                vals.append(v)
    lex = csr_matrix(
        (np.array(vals, float), (rows, cols)), shape=(len(texts), N_BUCKETS + len(FEATURE_NAMES))
    )
    g = list(groups)
    first = np.array([[float(i == 0 or g[i] != g[i - 1])] for i in range(len(g))])
    E = np.asarray(embeddings, dtype=np.float64)
    dense = np.hstack([E, 0.5 * context_vectors(E, g), first.reshape(len(g), 1)])
    return hstack([lex, csr_matrix(dense)]).tocsr()


# --------------------------------------------------------------------------------------------
# the model


@dataclass(frozen=True)
class KindModel:
    """Coefficients of the shipped classifier: P(knowledge) = sigmoid(x . coef + intercept);
    a sentence scoring at least `threshold` states a lesson, a practice or a recommendation.
    `embedder` names the sentence encoder whose vectors the model was trained on."""

    coef: np.ndarray
    intercept: float
    threshold: float
    embedder: str
    dim: int
    info: dict

    def score(
        self, texts: Sequence[str], embeddings: np.ndarray, groups: Sequence[str] | None = None
    ) -> np.ndarray:
        """P(knowledge) for each text, shape (len(texts),). `embeddings`: (len(texts), dim)
        from the model's encoder; `groups`: the post of each sentence (None: each alone)."""
        if not len(texts):
            return np.zeros(0)
        E = np.asarray(embeddings)
        if E.shape != (len(texts), self.dim):
            raise ValueError(f"the kinds model needs {self.dim}-d {self.embedder} embeddings")
        g = list(groups) if groups is not None else [str(i) for i in range(len(texts))]
        z = feature_matrix(texts, E, g) @ self.coef + self.intercept
        return 1 / (1 + np.exp(-z))

    def to_json(self) -> str:
        """The model as canonical JSON (rounded, sorted), so a retrain writes identical bytes."""
        c = np.round(self.coef, 5) + 0.0  # no -0.0
        lex = N_BUCKETS + len(FEATURE_NAMES)
        doc = {
            "format": 2,
            "n_buckets": N_BUCKETS,
            "features": list(FEATURE_NAMES),
            "embedder": self.embedder,
            "dim": self.dim,
            "intercept": round(float(self.intercept), 5),
            "threshold": round(float(self.threshold), 3),
            "coef_lexical": {str(int(i)): float(c[i]) for i in np.flatnonzero(c[:lex])},
            "coef_dense": [float(x) for x in c[lex:]],
            "info": self.info,
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KindModel:
        """A model from `to_json` output; refuses a model built for other features."""
        doc = json.loads(text)
        if doc.get("n_buckets") != N_BUCKETS or tuple(doc.get("features", ())) != FEATURE_NAMES:
            raise ValueError("the kinds model was built for other features: retrain it")
        lex = N_BUCKETS + len(FEATURE_NAMES)
        dense = np.asarray(doc["coef_dense"], dtype=np.float64)
        coef = np.zeros(lex + len(dense))
        for i, v in doc["coef_lexical"].items():
            coef[int(i)] = v
        coef[lex:] = dense
        return cls(
            coef,
            float(doc["intercept"]),
            float(doc["threshold"]),
            str(doc["embedder"]),
            int(doc["dim"]),
            doc.get("info", {}),
        )


@lru_cache(maxsize=1)
def load_model() -> KindModel:
    """The classifier shipped in the package (no network, no pickle)."""
    text = resources.files("kmsynth.resources").joinpath(MODEL_RESOURCE).read_text("utf-8")
    return KindModel.from_json(text)


def kind_encoder(cache_dir: str | Path | None = DEFAULT_CACHE) -> Embedder:
    """The sentence encoder the shipped model was trained on (multilingual USE), disk-cached."""
    from kmsynth.embed.embedders import get_embedder

    return get_embedder(load_model().embedder, cache_dir=cache_dir)


def kind_of(text: str, score: float, threshold: float) -> str:
    """Name the kind of a sentence from its knowledge score and its cues."""
    t = text.strip()
    knowledge = score >= threshold
    if is_question(t):
        return "question"
    if COURTESY.search(t) and not (knowledge and lesson_language(t)):
        return "courtesy"
    if t.endswith((",", ":")) or len(_WORDS.findall(t)) < 3:  # a salutation, a heading
        return "other"
    if knowledge and _PLAN_OR_OFFER.search(t) and not lesson_language(t):
        knowledge = False  # a plan, an offer or a request is not yet knowledge
    if knowledge and _HOSTILE.search(t):
        knowledge = False  # venting and insults are not lessons, whatever their mood
    if knowledge:
        if _LEARNED.search(t):  # "we learned", "a key lesson", "our experience shows"
            return "lesson"
        if PRACTICE_VERBS.search(t) and not _MODAL.search(t) and not _YOU.search(t):
            return "practice"
        if (
            _MODAL.search(t)
            or _RECOMMEND.search(t)
            or _YOU.search(t)
            or _first_word(t) in _IMPERATIVE_EN
            or _IMPERATIVE_OTHER.search(t)
        ):
            return "recommendation"
        if lesson_language(t):  # "it is essential", "the key to success was"
            return "lesson"
        if _ACTION.search(t):  # something done: "parliament passed", "el congreso aprobó"
            return "practice"
        # set in a place but neither advice nor an action: a description of the context
        return "other" if countries_in(t) else "lesson"
    if (_I.search(t) or _WE.search(t)) and _PAST.search(t):
        return "experience"
    return "other"


def classify(
    texts: Sequence[str],
    groups: Sequence[str] | None = None,
    *,
    embeddings: np.ndarray | None = None,
    encoder: Embedder | None = None,
    model: KindModel | None = None,
) -> list[tuple[str, float]]:
    """(kind, score) for each sentence, in order; score is P(lesson, practice or recommendation).

    groups: the post of each sentence (consecutive sentences of a post are each other's
    context); embeddings: precomputed vectors from the model's encoder, else `encoder` (default
    `kind_encoder()`) embeds them.
    """
    m = model or load_model()
    texts = list(texts)
    if not texts:
        return []
    if embeddings is None:
        embeddings = (encoder or kind_encoder()).encode(texts)
    scores = m.score(texts, embeddings, groups)
    return [
        (kind_of(t, float(s), m.threshold), float(s)) for t, s in zip(texts, scores, strict=True)
    ]
