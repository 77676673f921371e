"""Message catalogue: every finding code with its Finnish, English and Swedish text.

Finnish is the primary language; the templates use ``str.format`` fields. Kept in the library
(not gettext) so the checks work the same in the CLI, the worker and the web UI.
"""

from __future__ import annotations

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
