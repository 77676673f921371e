"""Topics: seeded per organisation, matched against item lemmas, stored as ItemTopic rows.

Finnish keywords are base forms (Voikko lemmas), so "hyvinvointialueiden" and
"hyvinvointialueilla" both match "hyvinvointialue", and compounds match their parts
("päihdepalvelujen" matches "päihde"). English and Swedish keywords are matched by stems.
Multi-word keywords need every word present.
"""

from __future__ import annotations

from django.utils.text import slugify

from kaiku.organisations.models import Organisation
from kaiku.watch.ingest.analysis import TopicMatcher, text_lemmas
from kaiku.watch.ingest.matcher import matcher_for
from kaiku.watch.ingest.rank import refresh_organisation
from kaiku.watch.models import Item, ItemTopic, Topic

SEED_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Sote-uudistus ja hyvinvointialueet",
        (
            "sote-uudistus", "sote", "hyvinvointialue", "aluevaltuusto", "aluehallitus",
            "sote-palvelu", "sote-keskus", "palvelustrategia",
            "wellbeing services county", "health and social services reform",
            "välfärdsområde", "vårdreform",
        ),
    ),
    (
        "Mielenterveyspalvelut",
        (
            "mielenterveyspalvelu", "mielenterveys", "mielenterveystyö", "mielenterveyskuntoutuja",
            "psykiatria", "psykoterapia", "terapiatakuu", "masennus", "kriisikeskus",
            "mental health", "psychiatry", "psychotherapy", "depression",
            "psykisk hälsa", "mentalvård", "psykiatri",
        ),
    ),
    (
        "Päihdepalvelut",
        (
            "päihdepalvelu", "päihde", "päihdetyö", "päihdekuntoutus", "huume", "huumausaine",
            "alkoholi", "riippuvuus", "korvaushoito", "haittojen vähentäminen", "käyttöhuone",
            "substance use", "addiction", "harm reduction", "opioid",
            "missbruk", "missbruksvård", "beroende", "narkotika",
        ),
    ),
    (
        "Stigma ja syrjintä",
        (
            "stigma", "stigmatisointi", "leimautuminen", "leimata", "syrjintä", "ennakkoluulo",
            "kokemusasiantuntija",
            "discrimination", "prejudice",
            "stigmatisering", "diskriminering", "fördom",
        ),
    ),
    (
        "Asunnottomuus",
        (
            "asunnottomuus", "asunnoton", "asumisneuvonta", "asunto ensin", "tuettu asuminen",
            "homelessness", "homeless", "housing first",
            "hemlöshet", "hemlös",
        ),
    ),
    (
        "Rekrytointi ja koulutus alalla",
        (
            "rekrytointi", "rekrytoida", "työvoimapula", "hoitajapula", "sosiaalityöntekijä",
            "sairaanhoitaja", "lähihoitaja", "koulutus", "täydennyskoulutus", "harjoittelu",
            "recruitment", "workforce shortage", "training",
            "rekrytering", "utbildning", "personalbrist",
        ),
    ),
)  # fmt: skip


def topic_slug(name: str) -> str:
    """A topic's slug: its name slugified, cut to the column's length (NFKD can lengthen a
    name: "ﬁ" becomes "fi")."""
    return slugify(name)[: Topic._meta.get_field("slug").max_length].strip("-")


def seed_topics(organisation: Organisation) -> list[Topic]:
    """Create the default topics the organisation does not have yet (by slug)."""
    existing = set(Topic.objects.filter(organisation=organisation).values_list("slug", flat=True))
    created = [
        Topic(organisation=organisation, name=name, slug=topic_slug(name), keywords=list(keywords))
        for name, keywords in SEED_TOPICS
        if topic_slug(name) not in existing
    ]
    Topic.objects.bulk_create(created)
    return created


def topic_matches(item: Item, matcher: TopicMatcher | None = None) -> list[tuple[Topic, float]]:
    """The item's topics with scores, best first (from its stored lemmas and title)."""
    matcher = matcher or matcher_for(item.organisation_id)
    title_lemmas = text_lemmas(item.title, item.language or "fi") if item.title else []
    scores = matcher.match(item.lemmas.split(), title_lemmas)
    topics = Topic.objects.in_bulk(list(scores))
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(topics[pk], score) for pk, score in ranked if pk in topics]


def rescore(organisation: Organisation, *, batch: int = 2000) -> int:
    """Recompute ItemTopic rows for every item of the organisation (after editing topics)."""
    matcher = matcher_for(organisation.pk)
    ItemTopic.objects.filter(item__organisation=organisation).delete()
    written = 0
    rows: list[ItemTopic] = []
    items = Item.objects.filter(organisation=organisation).only("id", "title", "lemmas", "language")
    for item in items.iterator(chunk_size=batch):
        title_lemmas = text_lemmas(item.title, item.language or "fi") if item.title else []
        for topic_id, score in matcher.match(item.lemmas.split(), title_lemmas).items():
            rows.append(ItemTopic(item_id=item.pk, topic_id=topic_id, score=score))
        if len(rows) >= batch:
            ItemTopic.objects.bulk_create(rows, ignore_conflicts=True)
            written += len(rows)
            rows = []
    ItemTopic.objects.bulk_create(rows, ignore_conflicts=True)
    refresh_organisation(organisation.pk)  # the topic points are part of the digest's rank
    return written + len(rows)
