"""Every word of the UI in the user's language: each page an admin of a demo-like organisation
can open (read from the URL configuration, as the route matrix does), and each connect form
sent empty, is rendered in Finnish, Swedish and English. A visible text (a text node, or a
placeholder, title, aria-label, alt or button value) that is the same in Finnish (or Swedish)
as in English, holds Latin words, and is neither the organisation's own data nor a brand,
platform name, address or code, is English left in the translated UI.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_ATTRS = ("placeholder", "title", "aria-label", "alt")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "time"}

# Names that are the same in every language: platforms, products, formats and their parts.
NAMES = {
    "kaiku", "mastodon", "bluesky", "facebook", "instagram", "threads", "x", "linkedin",
    "meta", "youtube", "rss", "atom", "ical", "icalendar", "api", "pds", "opml", "json",
    "html", "oauth", "id", "url", "https", "http", "www", "com", "social", "bsky", "app",
    "ok", "totp", "csv", "hetu", "ry", "pdf", "png", "jpeg", "gif", "webp", "ics", "utc",
    "google", "apple", "microsoft", "authenticator", "swagger", "openapi", "redoc", "rest",
    "jsonfeed", "atproto", "webfinger", "at", "protocol", "reddit", "tiktok", "mb", "kb",
}  # fmt: skip
_NOISE = re.compile(
    r"https?://\S+|\S+@\S+|@[\w.]+|[\w.-]+\.(?:social|fi|com|org|net|test|invalid|example|xml)"
    r"\S*|/\S*|\b[\w-]*\d[\w-]*\b|#\w+"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
# English words common in a UI and not words of Finnish or Swedish ("on" is Finnish, "men",
# "by" and "till" Swedish): a text holding one of them, the same as in English, is English.
ENGLISH = frozenset(
    re.split(
        r"\s+",
        """the of and to your you is are be not no for with from this that it its as or an if
    can may must will was were has have had do does what when where which who how any
    each every one more than only about after before into out up there here
    address password handle page client secret save delete cancel edit send
    settings search post posts source sources topic topics item items feed account accounts
    connect connected disconnect guide review approve retry schedule scheduled published
    draft failed error required field enter choose select name email new add remove back
    next previous show hide empty none yes today week month day days hours hour minutes
    score weight interval language languages check checked texts image images link
    links help example see first last open close copy copied public private""".strip(),
    )
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self._skip = 0
        self._open: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        # Code, and content that declares its own language (the Finnish setup guides, which
        # quote the platforms' English menus), are not the UI's words.
        skips = tag in _SKIP_TAGS or (tag != "html" and "lang" in found)
        if tag not in _VOID:
            self._open.append(skips)
        self._skip += skips
        if self._skip:
            return
        for name in _ATTRS:
            if found.get(name):
                self._add(found[name] or "")
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self._add(found["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._open:
            self._skip -= self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.texts.add(text)


def visible_texts(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return parser.texts


def english_left(translated: set[str], english: set[str], user_data: str) -> set[str]:
    """The texts of a translated page that are English: identical in the English rendering,
    and with at least one Latin word that is not a name, once user data is set aside."""
    found = set()
    for text in translated & english:
        if text in user_data:
            continue
        words = [w.lower() for w in _WORD.findall(_NOISE.sub(" ", text))]
        if any(w in ENGLISH and w not in NAMES for w in words):
            found.add(text)
    return found


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            out += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            out.append(prefix + str(pattern.pattern))
    return out


@pytest.fixture
def demo_org(members: dict[str, Any]) -> dict[str, Any]:
    """The demo organisation's content on the test organisation, with one of each object."""
    from kaiku.checks.models import OrganisationTerm
    from kaiku.connections.models import ChannelAccount
    from kaiku.core.demo import create_demo
    from kaiku.organisations.models import Invitation, Membership
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery
    from kaiku.watch.models import Item, Source, Topic

    org, _user, _password = create_demo()
    account = ChannelAccount.objects.filter(organisation=org).first()
    if account is None:
        account = ChannelAccount.objects.create(
            organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
        )
    post = Post.objects.filter(organisation=org).order_by("created_at").first()
    assert post is not None
    delivery = Delivery.objects.filter(post__organisation=org).first() or (
        Delivery.objects.create(post=post, account=account)
    )
    source = Source.objects.create(
        organisation=org, kind="feed", url="https://uutiset.example/feed.xml", title="Uutiset"
    )
    topic = Topic.objects.filter(organisation=org).first()
    assert topic is not None
    term = OrganisationTerm.objects.create(organisation=org, kind="add", language="fi", word="x")
    item = Item.objects.create(
        organisation=org, guid="u:1", title="Toipumisesta puhutaan", platform="feed"
    )
    invitation = Invitation.objects.create(organisation=org, email="kutsuttu@example.test")
    membership = Membership.objects.get(organisation=org, user=members["editor"])
    return {
        "post_id": post.public_id,
        "delivery_id": delivery.public_id,
        "account_id": account.public_id,
        "source_id": source.pk,
        "topic_id": topic.pk,
        "term_id": term.pk,
        "item_id": item.pk,
        "inv_id": invitation.pk,
        "member_id": membership.pk,
    }


def _urls(values: dict[str, Any]) -> list[str]:
    from kaiku.channels import registry
    from kaiku.connections.guides import CHANNELS

    urls = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("api/", "i18n/", "m/", "admin/")):
            continue
        names = {m.group("name") for m in _PARAM.finditer(route)}
        choices: list[dict[str, str]] = [{}]
        if "platform" in names:
            choices = [{"platform": p} for p in registry.platforms()]
        if "name" in names:
            choices = [{"name": p.parent.name + ".md"} for p in CHANNELS.glob("*/guide.md")]
        for choice in choices:
            filled = {**{k: str(v) for k, v in values.items()}, **choice}
            filled.update(org="toivon-polku", slug="toivon-polku")
            if names - set(filled):
                continue
            urls.add("/" + _PARAM.sub(lambda m, f=filled: f[m.group("name")], route))
    return sorted(urls)


def _render(client: Client, url: str, method: str) -> tuple[int, str]:
    response = getattr(client, method)(url)
    if "text/html" not in response.get("Content-Type", ""):
        return response.status_code, ""
    return response.status_code, response.content.decode()


def english_in_ui(members: dict[str, Any], values: dict[str, Any]) -> dict[str, set[str]]:
    """Per language (fi, sv): the English texts found, each prefixed with its page."""
    from kaiku.channels import registry

    admin = members["admin"]
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    user_data = "\n".join(_user_data())
    requests = [(url, "get") for url in _urls(values)]
    # The connect forms sent empty: their errors are UI text too.
    requests += [(f"/o/toivon-polku/channels/{p}/connect/", "post") for p in registry.platforms()]
    pages: dict[str, dict[tuple[str, str], set[str]]] = {}
    for language in ("en", "fi", "sv"):
        admin.language = language
        admin.save(update_fields=["language"])
        pages[language] = {}
        for url, method in requests:
            status, html = _render(client, url, method)
            if status in (200, 400) and html:
                pages[language][(method, url)] = visible_texts(html)
    found: dict[str, set[str]] = {}
    for language in ("fi", "sv"):
        found[language] = {
            f"{url}: {text}"
            for (method, url), texts in pages[language].items()
            for text in english_left(texts, pages["en"].get((method, url), set()), user_data)
        }
    return found


def _user_data() -> list[str]:
    """What people typed or the demo made: shown as it is in every language."""
    from kaiku.accounts.models import User
    from kaiku.organisations.models import Organisation
    from kaiku.posts.models import Post
    from kaiku.watch.models import Item, Source, Topic

    out: list[str] = list(Organisation.objects.values_list("name", flat=True))
    out += list(Post.objects.values_list("text", flat=True))
    out += [t for row in Source.objects.values_list("title", "url") for t in row]
    out += [t for row in Item.objects.values_list("title", "url") for t in row]
    for name, keywords in Topic.objects.values_list("name", "keywords"):
        out += [name, ", ".join(keywords), " ".join(keywords)]
    for user in User.objects.all():
        out += [user.username, user.get_full_name(), user.email]
    return out


def test_the_check_finds_english_beside_finnish() -> None:
    # The oracle itself: an English label identical in both renderings is found; a translated
    # one, a platform name, an address and user data are not.
    fi = {"Mastodon server address", "Palvelimen osoite", "Bluesky", "https://x.example/a", "Hei"}
    en = {"Mastodon server address", "Server address", "Bluesky", "https://x.example/a", "Hei"}
    assert english_left(fi, en, user_data="Hei") == {"Mastodon server address"}


def test_no_english_is_left_in_the_finnish_and_swedish_ui(
    members: dict[str, Any], demo_org: dict[str, Any]
) -> None:
    found = english_in_ui(members, demo_org)
    if found["fi"] or found["sv"]:
        pytest.fail(
            f"English in fi: {len(found['fi'])}, in sv: {len(found['sv'])}\n"
            + "\n".join(f"{lang} {t}" for lang in ("fi", "sv") for t in sorted(found[lang]))
        )
