"""Message catalogue: every finding code with its Finnish, English and Swedish text.

Finnish is the primary language; the templates use ``str.format`` fields. Kept in the library
(not gettext) so the checks work the same in the CLI, the worker and the web UI.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

UI_LANGS = ("fi", "en", "sv")
HELPLINE_FI = "MIELI ry:n Kriisipuhelin 09 2525 0111"

CATALOGUE: dict[str, dict[str, str]] = {
    "stigma.slur": {
        "fi": "”{text}” on halventava nimitys. Kirjoita ihmisestä, ei leimasta.",
        "en": "“{text}” is a slur. Write about the person, not a label.",
        "sv": "”{text}” är ett nedsättande ord. Skriv om människan, inte om en stämpel.",
    },
    "stigma.label": {
        "fi": "”{text}” typistää ihmisen sairaudeksi tai ongelmaksi. Käytä ihminen ensin -muotoa.",
        "en": "“{text}” reduces a person to a condition. Put the person first.",
        "sv": "”{text}” reducerar en människa till ett tillstånd. Sätt människan först.",
    },
    "stigma.outdated": {
        "fi": "”{text}” on vanhentunut ja loukkaavaksi koettu termi.",
        "en": "“{text}” is an outdated term that many find hurtful.",
        "sv": "”{text}” är en föråldrad term som många upplever som sårande.",
    },
    "stigma.moralising": {
        "fi": "”{text}” moralisoi. Kuvaa asiaa neutraalisti.",
        "en": "“{text}” carries moral judgement. Describe it neutrally.",
        "sv": "”{text}” är moraliserande. Beskriv saken neutralt.",
    },
    "stigma.sensational": {
        "fi": "”{text}” on sensaatiohakuinen ilmaus, joka lisää pelkoa ja leimaa.",
        "en": "“{text}” is sensational and feeds fear and stigma.",
        "sv": "”{text}” är sensationellt och ökar rädsla och stigma.",
    },
    "stigma.suicide_wording": {
        "fi": "”{text}” liittää itsemurhaan rikoksen tai teon sävyn. Harkitse sanamuotoa.",
        "en": "“{text}” frames suicide as a crime or deed. Consider other wording.",
        "sv": "”{text}” ger självmord en ton av brott. Överväg en annan formulering.",
    },
    "stigma.quoted": {
        "fi": "”{text}” on lainausmerkeissä tai sanana puheena: tarkista, että käyttö on "
        "tarkoituksellista.",
        "en": "“{text}” is quoted or discussed as a word: make sure the use is deliberate.",
        "sv": "”{text}” citeras eller diskuteras som ord: kontrollera att det är avsiktligt.",
    },
    "stigma.named": {
        "fi": "”{text}” on osa nimeä, teoksen nimeä, lakia tai historiallista yhteyttä tai "
        "sanonta, joka ei koske kenenkään terveyttä: tarkista, että käyttö on tarkoituksellista.",
        "en": "“{text}” is part of a name, a title, a law, a historical context or an idiom "
        "about no one's health: make sure the use is deliberate.",
        "sv": "”{text}” ingår i ett namn, en titel, en lag, ett historiskt sammanhang eller ett "
        "uttryck som inte gäller någons hälsa: kontrollera att det är avsiktligt.",
    },
    "suicide.method_detail": {
        "fi": "Itsemurhan tavan tai paikan kuvaaminen voi lisätä itsemurhia (mallioppiminen). "
        "Jätä yksityiskohta pois.",
        "en": "Describing a suicide method or place can lead to imitation. Leave the detail out.",
        "sv": "Att beskriva metod eller plats för självmord kan leda till efterföljd. Stryk "
        "detaljen.",
    },
    "suicide.success_framing": {
        "fi": "”{text}”: itsemurhaa ei kuvata onnistumisena tai epäonnistumisena. Käytä "
        "sanoja itsemurha tai itsemurhayritys.",
        "en": "“{text}”: do not frame suicide as success or failure. Say suicide or suicide "
        "attempt.",
        "sv": "”{text}”: beskriv inte självmord som lyckat eller misslyckat. Skriv självmord "
        "eller självmordsförsök.",
    },
    "suicide.as_solution": {
        "fi": "Teksti esittää itsemurhan ratkaisuna tai helpotuksena. Se voi rohkaista "
        "haavoittuvassa asemassa olevaa.",
        "en": "The text presents suicide as a solution or relief, which can encourage people "
        "at risk.",
        "sv": "Texten framställer självmord som en lösning eller lättnad, vilket kan uppmuntra "
        "personer i riskzonen.",
    },
    "suicide.helpline": {
        "fi": "Teksti käsittelee itsemurhaa. Lisää loppuun tieto avusta, esim. "
        + HELPLINE_FI
        + ".",
        "en": "The text deals with suicide. Add where to get help, e.g. the MIELI crisis line "
        "(Kriisipuhelin) 09 2525 0111.",
        "sv": "Texten handlar om självmord. Lägg till var man får hjälp, t.ex. MIELI rf:s "
        "kristelefon 09 2525 0111.",
    },
    "privacy.hetu": {
        "fi": "Henkilötunnus ei kuulu julkiseen viestiin.",
        "en": "A Finnish personal identity code must not be published.",
        "sv": "En personbeteckning hör inte hemma i ett offentligt inlägg.",
    },
    "privacy.personnummer": {
        "fi": "Ruotsalainen henkilötunnus (personnummer) ei kuulu julkiseen viestiin.",
        "en": "A Swedish personal identity number (personnummer) must not be published.",
        "sv": "Ett personnummer hör inte hemma i ett offentligt inlägg.",
    },
    "privacy.samordningsnummer": {
        "fi": "Ruotsalainen koordinointinumero (samordningsnummer) ei kuulu julkiseen viestiin.",
        "en": "A Swedish coordination number (samordningsnummer) must not be published.",
        "sv": "Ett samordningsnummer hör inte hemma i ett offentligt inlägg.",
    },
    "privacy.ssn": {
        "fi": "Yhdysvaltalainen sosiaaliturvatunnus (SSN) ei kuulu julkiseen viestiin.",
        "en": "A US Social Security number must not be published.",
        "sv": "Ett amerikanskt socialförsäkringsnummer (SSN) hör inte hemma i ett offentligt "
        "inlägg.",
    },
    "privacy.fodselsnummer": {
        "fi": "Norjalainen henkilötunnus (fødselsnummer) ei kuulu julkiseen viestiin.",
        "en": "A Norwegian national identity number (fødselsnummer) must not be published.",
        "sv": "Ett norskt personnummer (fødselsnummer) hör inte hemma i ett offentligt inlägg.",
    },
    "privacy.cpr": {
        "fi": "Tanskalainen henkilötunnus (CPR-numero) ei kuulu julkiseen viestiin.",
        "en": "A Danish personal identity number (CPR number) must not be published.",
        "sv": "Ett danskt personnummer (CPR-nummer) hör inte hemma i ett offentligt inlägg.",
    },
    "privacy.phone": {
        "fi": "Puhelinnumero: varmista, että se on organisaation eikä yksityishenkilön.",
        "en": "Phone number: make sure it belongs to the organisation, not a private person.",
        "sv": "Telefonnummer: kontrollera att det är organisationens och inte en privatpersons.",
    },
    "privacy.email": {
        "fi": "Sähköpostiosoite: varmista, että sen saa julkaista.",
        "en": "E-mail address: make sure it may be published.",
        "sv": "E-postadress: kontrollera att den får publiceras.",
    },
    "privacy.iban": {
        "fi": "Tilinumero: varmista, että se on organisaation tili.",
        "en": "Bank account number: make sure it is the organisation's account.",
        "sv": "Kontonummer: kontrollera att det är organisationens konto.",
    },
    "privacy.address": {
        "fi": "Katuosoite: varmista, ettei se ole kenenkään kotiosoite.",
        "en": "Street address: make sure it is nobody's home address.",
        "sv": "Gatuadress: kontrollera att det inte är någons hemadress.",
    },
    "privacy.name": {
        "fi": "Henkilön nimi: onko hänen lupansa kunnossa?",
        "en": "A person's name: do you have their consent?",
        "sv": "En persons namn: har du personens samtycke?",
    },
    "privacy.person_with_health": {
        "fi": "Virkkeessä on tunnistettava henkilö ja terveyteen, päihteisiin tai palvelun "
        "asiakkuuteen liittyvä tieto. Tämä on arkaluonteista tietoa: poista tunniste tai "
        "tarkista kirjallinen lupa.",
        "en": "The sentence names an identifiable person together with health, substance use "
        "or being a client of a service. That is sensitive data: remove the identifier or "
        "check written consent.",
        "sv": "Meningen nämner en identifierbar person tillsammans med hälsa, missbruk eller "
        "klientskap. Det är känsliga uppgifter: ta bort identifieringen eller kontrollera "
        "skriftligt samtycke.",
    },
    "length.over_limit": {
        "fi": "{channel}: {over} merkkiä liikaa (raja {limit}, nyt {count}).",
        "en": "{channel}: {over} characters over the limit ({limit}, now {count}).",
        "sv": "{channel}: {over} tecken för mycket (gräns {limit}, nu {count}).",
    },
    "length.hashtags": {
        "fi": "{channel}: enintään {limit} aihetunnistetta, nyt {count}.",
        "en": "{channel}: at most {limit} hashtags, now {count}.",
        "sv": "{channel}: högst {limit} hashtaggar, nu {count}.",
    },
    "accessibility.alt_text_missing": {
        "fi": "Kuvalta {index} puuttuu vaihtoehtoinen teksti (alt-teksti).",
        "en": "Image {index} has no alternative text.",
        "sv": "Bild {index} saknar alternativtext.",
    },
    "accessibility.hashtag_case": {
        "fi": "Kirjoita aihetunniste isoin alkukirjaimin ({suggestion}), niin ruudunlukija "
        "lukee sen oikein.",
        "en": "Capitalise each word of the hashtag ({suggestion}) so screen readers read it right.",
        "sv": "Skriv hashtaggen med versal för varje ord ({suggestion}) så att skärmläsare "
        "läser den rätt.",
    },
    "accessibility.emoji_run": {
        "fi": "{count} emojia peräkkäin: ruudunlukija lukee jokaisen nimen ääneen.",
        "en": "{count} emoji in a row: a screen reader reads out every one.",
        "sv": "{count} emojier i rad: en skärmläsare läser upp varenda en.",
    },
    "accessibility.all_caps": {
        "fi": "Isoilla kirjaimilla kirjoitettu teksti on vaikealukuista, ja ruudunlukija voi "
        "tavata sen kirjain kerrallaan.",
        "en": "All-caps text is hard to read and screen readers may spell it out.",
        "sv": "Text i versaler är svårläst och skärmläsare kan läsa upp den bokstav för bokstav.",
    },
    "readability.wiio": {
        "fi": "Wiion luokkataso {grade:.1f}: teksti on raskas. Lyhennä sanoja ja virkkeitä.",
        "en": "Wiio grade {grade:.1f}: the text is heavy. Use shorter words and sentences.",
        "sv": "Wiio-nivå {grade:.1f}: texten är tung. Använd kortare ord och meningar.",
    },
    "readability.long_sentence": {
        "fi": "Pitkä virke ({count} sanaa). Jaa se kahdeksi.",
        "en": "Long sentence ({count} words). Split it in two.",
        "sv": "Lång mening ({count} ord). Dela den i två.",
    },
    "spelling.unknown": {
        "fi": "Tuntematon sana ”{text}”: tarkista kirjoitusasu.",
        "en": "Unknown word “{text}”: check the spelling.",
        "sv": "Okänt ord ”{text}”: kontrollera stavningen.",
    },
    "suggest.remove": {
        "fi": "poista ”{text}”",
        "en": "remove “{text}”",
        "sv": "stryk ”{text}”",
    },
    "suggest.append": {
        "fi": "lisää loppuun: {text}",
        "en": "add at the end: {text}",
        "sv": "lägg till i slutet: {text}",
    },
    "grammar.agreement": {
        "fi": "”{text}” ei ole samassa muodossa kuin korvattu ”{original}” ({form}). Tarkista, "
        "että virke on yhä kieliopillinen.",
        "en": "“{text}” is not in the form of the replaced “{original}” ({form}). Check that "
        "the sentence is still grammatical.",
        "sv": "”{text}” har inte samma form som det ersatta ”{original}” ({form}). Kontrollera "
        "att meningen fortfarande är grammatisk.",
    },
    "grammar.voikko": {
        "fi": "Mahdollinen kielioppivirhe muutetussa virkkeessä: {description} (”{text}”).",
        "en": "Possible grammar error in the changed sentence: {description} (“{text}”).",
        "sv": "Möjligt grammatikfel i den ändrade meningen (”{text}”). Läs igenom den.",
    },
    "grammar.number.singular": {"fi": "yksikkö", "en": "singular", "sv": "singular"},
    "grammar.number.plural": {"fi": "monikko", "en": "plural", "sv": "plural"},
    "grammar.case.nimento": {"fi": "nominatiivi", "en": "nominative", "sv": "nominativ"},
    "grammar.case.omanto": {"fi": "genetiivi", "en": "genitive", "sv": "genitiv"},
    "grammar.case.osanto": {"fi": "partitiivi", "en": "partitive", "sv": "partitiv"},
    "grammar.case.olento": {"fi": "essiivi", "en": "essive", "sv": "essiv"},
    "grammar.case.tulento": {"fi": "translatiivi", "en": "translative", "sv": "translativ"},
    "grammar.case.sisaolento": {"fi": "inessiivi", "en": "inessive", "sv": "inessiv"},
    "grammar.case.sisaeronto": {"fi": "elatiivi", "en": "elative", "sv": "elativ"},
    "grammar.case.sisatulento": {"fi": "illatiivi", "en": "illative", "sv": "illativ"},
    "grammar.case.ulkoolento": {"fi": "adessiivi", "en": "adessive", "sv": "adessiv"},
    "grammar.case.ulkoeronto": {"fi": "ablatiivi", "en": "ablative", "sv": "ablativ"},
    "grammar.case.ulkotulento": {"fi": "allatiivi", "en": "allative", "sv": "allativ"},
    "grammar.case.vajanto": {"fi": "abessiivi", "en": "abessive", "sv": "abessiv"},
    "grammar.case.seuranto": {"fi": "komitatiivi", "en": "comitative", "sv": "komitativ"},
    "grammar.case.keinonto": {"fi": "instruktiivi", "en": "instructive", "sv": "instruktiv"},
}

CHANNEL_NAMES: dict[str, str] = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
}


def message(code: str, ui_lang: str = "fi", **fields: Any) -> str:
    """The message for ``code`` in ``ui_lang`` (fi, en, sv), falling back to Finnish."""
    texts = CATALOGUE.get(code)
    if texts is None:
        return code
    template = texts.get(ui_lang) or texts["fi"]
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template


# Source lines of findings, kept in English in the code and the lexicons (the canonical form,
# also what an organisation's own list is stored under) and shown in the user's language.
# A source that is several parts joined by "; " is translated part by part; a source not
# listed here (an organisation's own wording) is shown as it is.
SOURCES: dict[str, dict[str, str]] = {
    "Kaiku (own judgement)": {"fi": "Kaiku (oma arvio)", "sv": "Kaiku (egen bedömning)"},
    "Organisation's own list": {
        "fi": "Organisaation oma luettelo",
        "sv": "Organisationens egen lista",
    },
    "Kaiku (own judgement on what identifies)": {
        "fi": "Kaiku (oma arvio siitä, mikä tunnistaa henkilön)",
        "sv": "Kaiku (egen bedömning av vad som identifierar en person)",
    },
    "EU GDPR Art. 9 (health data)": {
        "fi": "EU:n yleinen tietosuoja-asetus, 9 artikla (terveystiedot)",
        "sv": "EU:s dataskyddsförordning, artikel 9 (hälsouppgifter)",
    },
    "Tietosuojalaki 1050/2018 29 § (henkilötunnus)": {
        "en": "Finnish Data Protection Act 1050/2018, section 29 (personal identity code)",
        "sv": "Dataskyddslagen 1050/2018 29 § (personbeteckning)",
    },
    "Folkbokföringslagen (1991:481) 18 §": {
        "fi": "Ruotsin väestökirjanpitolaki (1991:481) 18 §",
        "en": "Swedish Population Registration Act (1991:481), section 18",
    },
    "Folkbokföringslagen (1991:481) 18 a §": {
        "fi": "Ruotsin väestökirjanpitolaki (1991:481) 18 a §",
        "en": "Swedish Population Registration Act (1991:481), section 18 a",
    },
    "Skatteverket SKV 704": {
        "fi": "Ruotsin verovirasto Skatteverket, SKV 704 (personnummer)",
        "en": "Swedish Tax Agency, SKV 704 (personnummer)",
        "sv": "Skatteverket, SKV 704 (Personnummer)",
    },
    "Skatteverket SKV 707": {
        "fi": "Ruotsin verovirasto Skatteverket, SKV 707 (samordningsnummer)",
        "en": "Swedish Tax Agency, SKV 707 (samordningsnummer)",
        "sv": "Skatteverket, SKV 707 (Samordningsnummer)",
    },
    "US Social Security Administration: SSN randomization (2011)": {
        "fi": "Yhdysvaltain sosiaaliturvavirasto SSA: SSN-numeroiden satunnaistaminen (2011)",
        "sv": "USA:s socialförsäkringsmyndighet SSA: slumpmässiga SSN-nummer (2011)",
    },
    "Folkeregisterloven § 2-2 (fødselsnummer)": {
        "fi": "Norjan väestörekisterilaki § 2-2 (fødselsnummer)",
        "en": "Norwegian Population Register Act, section 2-2 (fødselsnummer)",
        "sv": "Norska folkbokföringslagen § 2-2 (fødselsnummer)",
    },
    "CPR-loven (Danish Civil Registration System Act)": {
        "fi": "Tanskan CPR-laki (väestörekisterilaki)",
        "en": "CPR-loven (Danish Civil Registration System Act)",
        "sv": "CPR-loven (danska folkbokföringslagen)",
    },
    "GDPR Art. 87": {
        "fi": "EU:n yleinen tietosuoja-asetus, 87 artikla",
        "sv": "EU:s dataskyddsförordning, artikel 87",
    },
    "WHO: Preventing suicide \u2013 a resource for media professionals (2023)": {
        "fi": "WHO: itsemurhien ehkäisyn opas mediassa työskenteleville (Preventing suicide, 2023)",
        "sv": "WHO: guide för mediearbetare om att förebygga självmord (Preventing suicide, 2023)",
    },
    "MIELI ry": {"sv": "MIELI rf", "en": "MIELI Mental Health Finland"},
    "NIDA: Words Matter": {
        "fi": "NIDA (Yhdysvaltain huumetutkimuslaitos): Words Matter -kieliopas",
        "sv": "NIDA (amerikanska narkotikaforskningsinstitutet): språkguiden Words Matter",
    },
    "Mindframe (Everymind) language guidance": {
        "fi": "Mindframe (Everymind): kieliohjeet",
        "sv": "Mindframe (Everymind): språkriktlinjer",
    },
    "Rosa's Law (US Public Law 111-256, 2010)": {
        "fi": "Rosan laki (Yhdysvallat, Public Law 111-256, 2010)",
        "sv": "Rosas lag (USA, Public Law 111-256, 2010)",
    },
    "Kehitysvammaliitto (suositeltavat termit)": {
        "en": "Kehitysvammaliitto, Finnish Association on Intellectual and Developmental "
        "Disabilities (recommended terms)",
        "sv": "Kehitysvammaliitto (rekommenderade termer)",
    },
    "WCAG 2.2 success criterion 1.1.1 Non-text Content": {
        "fi": "WCAG 2.2 -onnistumiskriteeri 1.1.1 Ei-tekstuaalinen sisältö",
        "sv": "WCAG 2.2 framgångskriterium 1.1.1 Icke-textbaserat innehåll",
    },
    "Wiio (1968), simple readability formula for Finnish": {
        "fi": "Wiio (1968), suomen kielen yksinkertainen luettavuuskaava",
        "sv": "Wiio (1968), enkel läsbarhetsformel för finska",
    },
    "Kaiku (own judgement), following plain-language advice for short sentences": {
        "fi": "Kaiku (oma arvio) selkeän kielen ohjeen mukaan: lyhyet virkkeet",
        "sv": "Kaiku (egen bedömning) enligt klarspråksrådet om korta meningar",
    },
    "Voikko spell checker": {"fi": "Voikko-oikoluku", "sv": "Stavningskontrollen Voikko"},
    "X developer docs: counting characters (twitter-text v3)": {
        "fi": "X:n kehittäjäohjeet: merkkien laskeminen (twitter-text v3)",
        "sv": "X:s utvecklardokumentation: teckenräkning (twitter-text v3)",
    },
    "Bluesky app.bsky.feed.post lexicon: text maxGraphemes 300": {
        "fi": "Blueskyn app.bsky.feed.post-määrittely: teksti enintään 300 merkkiä (grafeemia)",
        "sv": "Blueskys definition app.bsky.feed.post: text högst 300 tecken (grafem)",
    },
    "Mastodon docs: statuses (500 by default; URLs count 23)": {
        "fi": "Mastodonin ohjeet: julkaisut (oletuksena 500 merkkiä, linkki lasketaan 23 merkiksi)",
        "sv": "Mastodons dokumentation: inlägg (500 tecken som standard, en länk räknas som 23)",
    },
    "Threads: 500-character limit": {
        "fi": "Threads: enintään 500 merkkiä",
        "sv": "Threads: högst 500 tecken",
    },
    "Instagram: 2,200-character captions, 5 hashtags (from December 2025)": {
        "fi": "Instagram: kuvateksti enintään 2 200 merkkiä, 5 aihetunnistetta (joulukuusta 2025)",
        "sv": "Instagram: bildtext högst 2 200 tecken och 5 hashtaggar (från december 2025)",
    },
    "LinkedIn Posts API: commentary in little text format, 3,000 characters": {
        "fi": "LinkedInin Posts API: teksti little text -muodossa, enintään 3 000 merkkiä",
        "sv": "LinkedIns Posts API: text i little text-format, högst 3 000 tecken",
    },
    "Facebook: 63,206-character posts": {
        "fi": "Facebook: julkaisu enintään 63 206 merkkiä",
        "sv": "Facebook: inlägg högst 63 206 tecken",
    },
}


@lru_cache(maxsize=1024)
def source_text(source: str, ui_lang: str = "fi") -> str:
    """A finding's source line in ``ui_lang``; unknown parts are kept as they are."""
    if not source:
        return source
    whole = SOURCES.get(source)
    if whole is not None:
        return whole.get(ui_lang, source)
    parts = source.split("; ")
    return "; ".join(SOURCES.get(p, {}).get(ui_lang, p) for p in parts)
