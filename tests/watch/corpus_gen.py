# ruff: noqa: E501
"""Generates the robustness corpus: 200+ malformed and hostile feeds, plus good ones.

``cases()`` returns Case objects; ``install(server, cases)`` serves them from a FeedServer.
Nothing large is committed: bombs and huge entries are built here, in memory.

    .venv/bin/python -m tests.watch.corpus_gen DIR   # also writes the plain files to DIR
"""

from __future__ import annotations

import codecs
import gzip
import json
import random
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tests.watch.server import CORPUS, FeedServer, gzip_zeros


@dataclass
class Case:
    name: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    good_items: int | None = None  # a good feed: exactly this many items must be stored
    behaviour: str = ""  # "", "drip", "loop", "redirects", "status:<code>", "bomb"
    # A flawed feed a reader recovers from: at least this many items must be stored (and the
    # source may say what was wrong). bench/watch_recovery.py compares with feedparser/reader.
    recover: int | None = None


def _rss(items: list[str], *, title: str = "Syöte", decl: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{decl}"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://org.example/</link>{''.join(items)}</channel></rss>"
    )


def _item(n: int, body: str = "", *, title: str = "") -> str:
    title = title or f"Päihdepalvelut ja hyvinvointialueet {n}"
    body = body or f"<p>Mielenterveyspalvelujen tilanne, uutinen numero {n}.</p>"
    return (
        f"<item><title>{title}</title><link>https://org.example/{n}</link>"
        f"<guid>https://org.example/{n}</guid><pubDate>Tue, 05 Mar 2024 09:30:00 +0200</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
    )


def good_cases(count: int = 20) -> list[Case]:
    out = []
    for i in range(count):
        items = [_item(i * 100 + n) for n in range(10)]
        out.append(Case(f"good_{i}.xml", _rss(items, title=f"Hyvä {i}").encode(), good_items=10))
    return out


def _truncated(rng: random.Random) -> list[Case]:
    base = _rss([_item(n) for n in range(20)]).encode()
    out = []
    for i in range(55):
        cut = rng.randint(10, len(base) - 10)
        out.append(Case(f"truncated_{i}.xml", base[:cut]))
    return out


def _encodings() -> list[Case]:
    text = _rss([_item(1, "<p>Äiti ja päihdetyö – ”lainausmerkit” €</p>"), _item(2)])
    out = [
        Case("declared_utf8_is_latin1.xml", text.encode("latin-1", "replace")),
        Case(
            "declared_latin1_is_utf8.xml",
            text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode(),
        ),
        Case("utf16_no_bom.xml", text.replace("UTF-8", "UTF-16").encode("utf-16-le")),
        Case("utf16_bom.xml", codecs.BOM_UTF16_BE + text.replace("UTF-8", "UTF-16").encode("utf-16-be")),
        Case("utf8_bom.xml", codecs.BOM_UTF8 + text.encode()),
        Case("cp1252_smart_quotes.xml", text.replace("UTF-8", "windows-1252").encode("cp1252", "replace")),
        Case("unknown_encoding.xml", text.replace("UTF-8", "x-klingon").encode()),
        Case("http_charset_wrong.xml", text.encode(), {"Content-Type": "text/xml; charset=ascii"}),
        Case("http_charset_bogus.xml", text.encode(), {"Content-Type": "text/xml; charset=???"}),
        Case("mixed_encodings.xml", text.encode()[:200] + "ÄÖÅ".encode("latin-1") + text.encode()[200:]),
        Case("null_bytes.xml", text.encode().replace(b"<item>", b"<item>\x00", 1)),
        Case("control_chars.xml", text.replace("Syöte", "Sy\x01\x02te").encode()),
        Case("utf32.xml", text.replace("UTF-8", "UTF-32").encode("utf-32")),
        Case("ebcdic.xml", text.replace("UTF-8", "cp500").encode("cp500", "replace")),
        Case("invalid_utf8_sequences.xml", text.encode().replace(b"\xc3\xa4", b"\xc3\x28")),
    ]  # fmt: skip
    for i in range(15):
        mangled = bytearray(text.encode())
        for pos in range(40 + i, len(mangled), 97 + i):
            mangled[pos] = 0x80 + (pos % 120)
        out.append(Case(f"random_high_bytes_{i}.xml", bytes(mangled)))
    return out


def _laughs(depth: int, fan: int, name: str = "lol") -> str:
    """Entity declarations where each level references the one below ``fan`` times."""
    declarations = [f'<!ENTITY {name}0 "lol">']
    for i in range(1, depth):
        declarations.append(f'<!ENTITY {name}{i} "{f"&{name}{i - 1};" * fan}">')
    return "".join(declarations)


def _entities() -> list[Case]:
    lol = _laughs(10, 10)
    huge = "A" * 100_000
    docs = {
        "billion_laughs.xml": f"<!DOCTYPE rss [{lol}]><rss><channel><item><title>&lol9;</title></item></channel></rss>",
        "quadratic_blowup.xml": f'<!DOCTYPE rss [<!ENTITY a "{huge}">]><rss><channel><item><title>{"&a;" * 1000}</title></item></channel></rss>',
        "xxe_file.xml": '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&x;</title></item></channel></rss>',
        "xxe_http.xml": '<!DOCTYPE rss [<!ENTITY x SYSTEM "http://169.254.169.254/latest/meta-data/">]><rss><channel><item><title>&x;</title></item></channel></rss>',
        "parameter_entity.xml": '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><rss><channel><item><title>x</title></item></channel></rss>',
        "external_dtd.xml": '<!DOCTYPE rss SYSTEM "http://127.0.0.1:1/evil.dtd"><rss><channel><item><title>&foo;</title><guid>1</guid></item></channel></rss>',
        "internal_entity_small.xml": '<!DOCTYPE rss [<!ENTITY org "Toivon Polku">]><rss><channel><item><title>&org;</title></item></channel></rss>',
        "entity_in_attribute.xml": '<!DOCTYPE rss [<!ENTITY e "x">]><rss><channel><item><link href="&e;"/><title>t</title></item></channel></rss>',
        "xinclude.xml": '<rss xmlns:xi="http://www.w3.org/2001/XInclude"><channel><item><title>t</title><guid>xi</guid><description><xi:include href="file:///etc/passwd" parse="text"/></description></item></channel></rss>',
        "atom_billion_laughs.xml": f'<!DOCTYPE feed [{lol}]><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&lol9;</title></entry></feed>',
        "opml_like_entity.xml": '<!DOCTYPE opml [<!ENTITY e "x">]><opml><body><outline text="&e;"/></body></opml>',
        "unparsed_entity.xml": '<!DOCTYPE rss [<!NOTATION gif SYSTEM "image/gif"><!ENTITY pic SYSTEM "x.gif" NDATA gif>]><rss><channel><item><title>t</title></item></channel></rss>',
    }  # fmt: skip
    out = [Case(name, doc.encode()) for name, doc in docs.items()]
    for depth in (3, 5, 7, 9):
        sub = _laughs(depth, 4, "e")
        out.append(
            Case(
                f"nested_entities_{depth}.xml",
                f"<!DOCTYPE rss [{sub}]><rss><channel><item><title>&e{depth - 1};</title></item></channel></rss>".encode(),
            )
        )  # fmt: skip
    for i in range(4):
        out.append(
            Case(
                f"doctype_variant_{i}.xml",
                (
                    f"<?xml version='1.0'?>\n<!DOCTYPE rss{' ' * i}[<!ENTITY  z{i} 'z'>]>\n<rss><channel><item><title>&z{i};</title></item></channel></rss>"
                ).encode(),
            )
        )
    return out


def _huge() -> list[Case]:
    big = "<p>" + ("Hyvinvointialueiden päihdepalvelut. " * 80_000) + "</p>"  # ~3 MB
    over = "x" * (6 * 1024 * 1024)
    return [
        Case("huge_entry_3mb.xml", _rss([_item(1, big), _item(2)]).encode()),
        Case("huge_title.xml", _rss([_item(1, title="Otsikko " * 50_000)]).encode()),
        Case("huge_over_cap.xml", _rss([_item(1, over)]).encode()),
        Case("many_items_5000.xml", _rss([_item(n) for n in range(5000)]).encode()),
        Case("many_attributes.xml", ("<rss><channel><item " + " ".join(f'a{i}="v"' for i in range(20000)) + "><title>t</title><guid>ma</guid></item></channel></rss>").encode()),
        Case("deep_nesting.xml", ("<rss><channel><item><title>t</title><guid>dn</guid><description>" + "<b>" * 5000 + "x" + "</b>" * 5000 + "</description></item></channel></rss>").encode()),
        Case("deep_xml_nesting.xml", ("<rss><channel><item><title>t</title><guid>dx</guid><x>" + "<y>" * 20000 + "</y>" * 20000 + "</x></item></channel></rss>").encode()),
        Case("long_guid.xml", _rss([_item(1).replace("<guid>https://org.example/1</guid>", "<guid>" + "g" * 10_000 + "</guid>")]).encode()),
        Case("long_url.xml", _rss([_item(1).replace("https://org.example/1</link>", "https://org.example/" + "u" * 5000 + "</link>")]).encode()),
        Case("huge_gzip_ok.xml", gzip.compress(_rss([_item(n) for n in range(300)]).encode()), {"Content-Encoding": "gzip"}),
    ]  # fmt: skip


_XSS = [
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<img src=x onerror="alert(1)">',
    '<svg onload="alert(1)"><circle/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '<body onload="alert(1)">x</body>',
    '<form action="https://evil.example"><input name="p"></form>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<p onclick="alert(1)" onmouseover="alert(2)">klikkaa</p>',
    '<a href="https://ok.example" target="_blank">ok</a>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<img src="javascript:alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    '<details open ontoggle="alert(1)">x</details>',
    "<!--<script>alert(1)</script>-->",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<a href="java\nscript:alert(1)">x</a>',
]


def _xss() -> list[Case]:
    out = []
    for i, payload in enumerate(_XSS):
        title = "Otsikko <script>alert(1)</script>" if i % 3 == 0 else f"XSS {i}"
        out.append(Case(f"xss_{i}.xml", _rss([_item(9000 + i, payload, title=title)]).encode()))
    return out


def _garbage(rng: random.Random) -> list[Case]:
    out = [
        Case("empty.xml", b""),
        Case("whitespace.xml", b"   \n\t  "),
        Case("plain_text.xml", "Tämä ei ole syöte.".encode()),
        Case("html_page.xml", (CORPUS / "site.html").read_bytes(), {"Content-Type": "text/html"}),
        Case("json_invalid.json", b'{"version": "https://jsonfeed.org/version/1", "items": [', {"Content-Type": "application/json"}),
        Case("json_wrong_types.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [1, None, {"id": {"x": 1}}, {"id": "ok", "title": ["a"], "content_html": 5}]}).encode()),
        Case("json_not_feed.json", b'{"hello": "world"}'),
        Case("json_items_not_list.json", b'{"version": "https://jsonfeed.org/version/1", "items": {}}'),
        Case("json_array.json", b"[1, 2, 3]"),
        Case("json_huge_number.json", b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": 1e999}]}'),
        Case("xml_other_root.xml", b"<?xml version='1.0'?><html><body>x</body></html>"),
        Case("xml_only_decl.xml", b"<?xml version='1.0'?>"),
        Case("rss_no_items.xml", b"<rss><channel><title>Tyhj\xc3\xa4</title></channel></rss>"),
        Case("rss_items_without_anything.xml", b"<rss><channel><item></item><item/></channel></rss>"),
        Case("atom_entries_without_ids.xml", b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title></entry><entry><content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>'),
        Case("bad_dates.xml", _rss([_item(1).replace("Tue, 05 Mar 2024 09:30:00 +0200", d) for d in ["", "yesterday", "31.02.2024", "9999-99-99", "Mon, 32 Foo 2024"]]).encode()),
        Case("future_date.xml", _rss([_item(1).replace("Tue, 05 Mar 2024", "Tue, 05 Mar 2099")]).encode()),
        Case("rdf.xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>R</title></channel><item rdf:about="https://org.example/rdf/1"><title>RDF-uutinen</title><description>Asunnottomuus</description></item></rdf:RDF>'),
        Case("unclosed_cdata.xml", _rss([_item(1)]).encode().replace(b"]]>", b"", 1)),
        Case("mismatched_tags.xml", b"<rss><channel><item><title>a</guid></item></channel></rss>"),
        Case("two_roots.xml", _rss([_item(1)]).encode() + b"<rss></rss>"),
        Case("processing_instructions.xml", b"<?xml-stylesheet href='x.xsl'?><rss><channel><?pi x?><item><title>pi</title><guid>pi</guid></item></channel></rss>"),
        Case("namespace_chaos.xml", b'<rss xmlns:a="x" xmlns:b="x"><channel><item><a:title>1</a:title><b:link>https://n.example/</b:link><guid>ns</guid></item></channel></rss>'),
        Case("undeclared_prefix.xml", b"<rss><channel><item><dc:creator>x</dc:creator><title>t</title></item></channel></rss>"),
        Case("bogus_content_encoding.xml", _rss([_item(1)]).encode(), {"Content-Encoding": "br"}),
        Case("corrupt_gzip.xml", b"\x1f\x8b\x08\x00garbage-not-gzip", {"Content-Encoding": "gzip"}),
        Case("truncated_gzip.xml", gzip.compress(_rss([_item(1)]).encode())[:40], {"Content-Encoding": "gzip"}),
        Case("deflate_raw.xml", zlib.compress(_rss([_item(1)]).encode())[2:-4], {"Content-Encoding": "deflate"}),
    ]  # fmt: skip
    for i in range(12):
        out.append(
            Case(f"noise_{i}.bin", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000))))
        )
    return out


def _network() -> list[Case]:
    out = [
        Case("redirect_loop", behaviour="loop"),
        Case("redirect_chain", behaviour="redirects"),
        Case("slow_drip_1", behaviour="drip"),
        Case("slow_drip_2", behaviour="drip"),
        Case("slow_drip_3", behaviour="drip"),
        Case("gzip_bomb", behaviour="bomb"),
    ]
    for code in (400, 401, 403, 404, 410, 418, 429, 500, 502, 503, 504):
        out.append(Case(f"status_{code}", behaviour=f"status:{code}"))
    return out


# --- issue 16: what a reader keeps from a flawed feed --------------------------------------

_CONTROL_SPOTS = (
    ("channel_title", "<title>Syöte</title>", "<title>Sy\x01öte</title>"),
    ("item_title", "<title>Päihdepalvelut ja hyvinvointialueet 2</title>", "<title>Päihdepalvelut\x02 ja hyvinvointialueet 2</title>"),
    ("description", "uutinen numero 3.", "uutinen\x03 numero 3."),
    ("link", "<link>https://org.example/4</link>", "<link>https://org.example/4\x04</link>"),
    ("guid", "<guid>https://org.example/1</guid>", "<guid>\x05https://org.example/1</guid>"),
    ("between_items", "</item><item>", "</item>\x06<item>"),
    ("tag_name", "<pubDate>", "<pub\x07Date>", ),
    ("attribute", '<rss version="2.0">', '<rss version="2.0\x08">'),
    ("vertical_tab", "uutinen numero 0.", "uutinen\x0b numero 0."),
    ("form_feed", "uutinen numero 1.", "uutinen\x0c numero 1."),
    ("escape", "Päihdepalvelut ja hyvinvointialueet 3", "Päihdepalvelut ja \x1b[1mhyvinvointialueet 3"),
    ("unit_separator", "<channel>", "<channel>\x1f"),
    ("nul", "uutinen numero 2.", "uutinen\x00 numero 2."),
    ("reference", "Päihdepalvelut ja hyvinvointialueet 4", "Päihdepalvelut&#1; ja hyvinvointialueet 4"),
    ("hex_reference", "Päihdepalvelut ja hyvinvointialueet 0", "Päihdepalvelut&#x1B; ja hyvinvointialueet 0"),
)  # fmt: skip


def control_character_cases() -> list[Case]:
    """Fifteen feeds of five items, each with one character XML forbids in a different place."""
    base = _rss([_item(n) for n in range(5)])
    out = []
    for name, good, bad in _CONTROL_SPOTS:
        assert good in base, name
        body = base.replace(good, bad, 1).encode()
        out.append(Case(f"control_{name}.xml", body, good_items=5, recover=5))
    return out


def cut_off_cases() -> list[Case]:
    """A feed of 20 items cut inside its last item, after that item's title and link."""
    base = _rss([_item(n) for n in range(20)]).encode()
    last = base.rindex(b"<item>")
    start = base.index(b"</link>", last) + len(b"</link>")
    end = base.index(b"</item>", last)
    cuts = range(start, end, max(1, (end - start) // 34))
    return [
        Case(f"cut_off_{i}.xml", base[:cut], good_items=20, recover=20)
        for i, cut in enumerate(cuts)
    ]


ODD_DATES = (
    "Mon, 01 Jan 1900 00:00:00 GMT", "1900-01-01T00:00:00Z", "Tue, 19 Jan 2038 03:14:08 GMT",
    "2038-01-19T03:14:08Z", "Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:60Z",
    "1969-12-31T23:59:59Z", "Thu, 29 Feb 1996 12:00:00 GMT", "Tue, 05 Mar 2024 09:30:00 +02:00",
    "2024-03-05t09:30:00z", "2024-03", "2024", "Tue, 05 Mar 24 09:30:00 +0200",
    "Tue, 05 Mar 2024 09:30 +0200", "05 Mar 2024 09:30:00 EST", "tue, 05 mar 2024 09:30:00 +0200",
    "2024-03-05T09:30:00.123456789Z", "2024-03-05T09:30:00+0200", "20240305T093000Z",
    "Tue, 05 Mar 2024 09:30:00 +0200 (EET)", "Tuesday, 05 Mar 2024 09:30:00 +0200",
    "05 March 2024 09:30:00 +0200", "Mon, 01 Jan 2001 00:00:00 +1400",
    "2024-03-05T09:30:00,5+02:00", "Tue, 5 Mar 2024 9:30:00 PST",
)  # fmt: skip


def recovery_cases() -> list[Case]:
    """Every flaw of issue 16 that a reader recovers from, with how many items to keep."""
    notice = (
        "<item><title>Vertaisryhmä kokoontuu torstaina</title><link>https://yhdistys.example/{n}</link>"
        "<guid>https://yhdistys.example/{n}</guid><description>Vertaisryhmä kokoontuu torstaina kello 17 "
        "yhdistyksen tiloissa. Tervetuloa!</description></item>"
    )
    deep_xhtml = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Syvä</title><entry><id>tag:syva.example,2024:1</id>'
        '<title>Syvä</title><link href="https://syva.example/1"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        + "<div>" * 5000
        + "teksti"
        + "</div>" * 5000
        + "</div></content></entry><entry><id>tag:syva.example,2024:2</id><title>Toinen</title>"
        '<link href="https://syva.example/2"/></entry></feed>'
    )
    deep_json = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Syvä", "items": ['
        '{"id": "1", "url": "https://syva.example/j1", "title": "Syvä", "content_text": "x", "_ext": '
        + "[" * 5000
        + '"arvo"'
        + "]" * 5000
        + '}, {"id": "2", "url": "https://syva.example/j2", "title": "Toinen", "content_text": "y"}]}'
    )
    text = _rss([_item(1, "<p>Äiti ja päihdetyö – lainausmerkit</p>"), _item(2)])
    dated = [
        _item(n).replace("Tue, 05 Mar 2024 09:30:00 +0200", d) for n, d in enumerate(ODD_DATES)
    ]
    big = [
        _item(n, "<p>" + "Hyvinvointialueiden päihdepalvelut. " * 200 + "</p>") for n in range(900)
    ]
    out = [
        Case("same_text_three_items.xml", _rss([notice.format(n=n) for n in (1, 2, 3)]).encode(), recover=3),
        Case("deep_xhtml_content.xml", deep_xhtml.encode(), recover=2),
        Case("deep_json_feed.json", deep_json.encode(), {"Content-Type": "application/feed+json"}, recover=2),
        Case("odd_dates.xml", _rss(dated).encode(), recover=len(ODD_DATES)),
        Case("over_cap_6mb.xml", _rss(big).encode(), recover=1),
    ]  # fmt: skip
    for codec in ("cp037", "cp500", "cp1140", "cp273", "koi8-r", "iso-8859-7", "windows-1251"):
        body = text.replace("UTF-8", codec).encode(codec, "replace")
        out.append(Case(f"declared_{codec}.xml", body, recover=2))
    return out + control_character_cases() + cut_off_cases()


def cases(seed: int = 20240305) -> list[Case]:
    rng = random.Random(seed)
    hostile = _truncated(rng) + _encodings() + _entities() + _huge() + _xss() + _garbage(rng)
    flawed = [
        Case(c.name, c.body, c.headers, behaviour=c.behaviour, recover=c.recover)
        for c in recovery_cases()
    ]
    return good_cases() + hostile + flawed + _network()


def install(server: FeedServer, all_cases: list[Case]) -> dict[str, str]:
    """Serve every case; returns name -> URL."""
    urls: dict[str, str] = {}
    for case in all_cases:
        path = f"/rb/{case.name}"
        if case.behaviour == "loop":
            server.redirect(path, path + "-b")
            server.redirect(path + "-b", path)
            urls[case.name] = server.url(path)
        elif case.behaviour == "redirects":
            for i in range(8):
                server.redirect(f"{path}-{i}", f"{path}-{i + 1}")
            urls[case.name] = server.url(f"{path}-0")
        elif case.behaviour == "drip":
            urls[case.name] = server.drip(path, _rss([_item(1)]).encode(), interval=0.5)
        elif case.behaviour == "bomb":
            urls[case.name] = server.gzip_bomb(path)
        elif case.behaviour.startswith("status:"):
            urls[case.name] = server.status(
                path, int(case.behaviour.split(":")[1]), {"Retry-After": "120"}
            )
        else:
            headers = {"Content-Type": "application/rss+xml", **case.headers}
            urls[case.name] = server.add(
                path, case.body, content_type=headers.pop("Content-Type"), headers=headers
            )
    return urls


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for case in cases():
        if case.body:
            (target / case.name).write_bytes(case.body)
            written += 1
    print(f"wrote {written} files to {target}; {len(cases())} cases in all")
    _ = gzip_zeros  # the bomb is generated by the server fixture, not written
