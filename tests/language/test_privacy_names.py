"""Issue 18 item 6: names in every form with health data, and what is not a person."""

from __future__ import annotations

from kaiku.language import check
from kaiku.language.ids import find_addresses, find_emails


def blocked(text: str, lang: str) -> bool:
    return any(f.code == "privacy.person_with_health" for f in check(text, lang))


DISCLOSURES = [
    ("Pekalle määrättiin uusi lääkitys masennukseen.", "fi"),  # inflected, gradation
    ("Mikon psykoosi alkoi viime keväänä.", "fi"),
    ("Marja-Leenalle tarjottiin paikkaa psykiatriselta osastolta.", "fi"),  # hyphenated
    ("Lumi sairastaa anoreksiaa.", "fi"),  # also a common noun
    ("Onni on A-klinikan asiakas.", "fi"),
    ("Emmille on tehty lastensuojeluilmoitus.", "fi"),
    ("Markuksen HIV-diagnoosi tuli yllätyksenä.", "fi"),  # acronym compound after a name
    ("Tapasin eilen Mikaelin torilla. Hän kertoi olleensa katkaisuhoidossa.", "fi"),
    ("Anna-Karin har varit på avgiftning i två veckor.", "sv"),
    ("Kalles alkoholberoende syntes inte utåt.", "sv"),  # Swedish compound health word
    ("Annas terapeut rekommenderade en paus.", "sv"),  # the person's own carer
    ("Tack till Fredrik för talet! Han har själv kommit ur ett drogberoende.", "sv"),
    ("Patienten bor på Norra Esplanaden 3 A 4 i Helsingfors.", "sv"),
    ("Mary-Jane has been in rehab since March.", "en"),
    ("Lucy Brown joined the group in spring. She has an eating disorder.", "en"),
    ("Our client lives at 12 North Street, Flat 4, Leeds LS1 4AB.", "en"),
    ("Email james.miller [at] example.com, he talks about his recovery from addiction.", "en"),
    # names no list knows, told by what introduces them
    ("Vår klient Eskilander berättar om sin väg ur beroendet.", "sv"),
    ("Thanks, Zebulon, for talking so openly about your ADHD.", "en"),
    ("This is Quilla. She has been in therapy for two years.", "en"),
    # a role word that is not the person's own role
    ("Natalie Cole sees a therapist every week.", "en"),
    ("Esittelemme Pasin. Hän on ollut kuivilla kaksi vuotta alkoholismin jälkeen.", "fi"),
    # general health data, not only mental health and substance use
    ("Megan Bell has been signed off work with burnout and anxiety.", "en"),
    ("Riikka Mäkelä on ollut sairauslomalla uupumuksen takia.", "fi"),
    ("Jenny Åberg går i samtalsterapi varje vecka.", "sv"),
    ("Kiitos Jonnalle, joka puhui rohkeasti ADHD:staan.", "fi"),
]

NOT_DISCLOSURES = [
    ("Lumi satoi koko yön, ja terapiaryhmä peruttiin.", "fi"),
    ("Minna Canthin päivänä keskustelemme naisten mielenterveydestä.", "fi"),
    ("Elias Lönnrotin koulussa puhuttiin mielenterveydestä.", "fi"),
    ("Auroran sairaalassa on päihdepsykiatrian poliklinikka.", "fi"),
    ("Toiminnanjohtaja Juha Salminen johtaa päihdetyön hanketta.", "fi"),
    ("Jos tarvitset apua, soita Kriisipuhelimeen 09 2525 0111.", "fi"),
    ("Fredrika Bremer-förbundet ordnar ett seminarium om psykisk hälsa.", "sv"),
    ("Psykiatern Anders Lund föreläser om depression på torsdag.", "sv"),
    ("St Mary's Hospital has a new detox unit.", "en"),
    ("The Martin Luther King Day event focuses on mental health.", "en"),
    ("Psychotherapist Laura Bell gives a talk on anxiety.", "en"),
    ("The venue is Kallio, next to the detox unit.", "en"),
]


def test_names_in_every_form_with_health_data_block_and_named_days_and_staff_do_not() -> None:
    for text, lang in DISCLOSURES:
        assert blocked(text, lang), text
    for text, lang in NOT_DISCLOSURES:
        assert not blocked(text, lang), text


def test_addresses_with_direction_staircase_flat_postcode_and_disguised_emails_are_found() -> None:
    text = "Kotiosoite on Pohjoinen Rautatiekatu 21 B 9, 00100 Helsinki."
    assert [text[s:e] for s, e in find_addresses(text)] == [
        "Pohjoinen Rautatiekatu 21 B 9, 00100 Helsinki"
    ]
    text = "Kirjoita: matti.meikalainen [at] esimerkki.fi tai anna(at)esimerkki.fi."
    assert [text[s:e] for s, e in find_emails(text)] == [
        "matti.meikalainen [at] esimerkki.fi",
        "anna(at)esimerkki.fi",
    ]
