"""The topics page: who may see and change the topics, every action and validation error, and
the re-match job that each change queues (one open job; an edit during a run is not lost)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaiku.jobs.models import Job
from kaiku.jobs.worker import claim, execute, run_due_jobs, run_job_now
from kaiku.watch import jobs
from kaiku.watch.features.topics import SEED_TOPICS
from kaiku.watch.forms import parse_keywords
from kaiku.watch.models import Item, ItemTopic, Topic

pytestmark = pytest.mark.django_db

ROLES = ("admin", "editor", "reviewer", "viewer")


def url(org: Any, page: str = "") -> str:
    return f"/o/{org.slug}/watch/topics/{page}"


def make_topic(org: Any, name: str = "Asuminen", keywords: list[str] | None = None) -> Topic:
    from django.utils.text import slugify

    return Topic.objects.create(
        organisation=org, name=name, slug=slugify(name), keywords=keywords or ["vuokra"]
    )


def make_item(org: Any, n: int, lemmas: str) -> Item:
    return Item.objects.create(
        organisation=org,
        guid=f"https://example.test/uutinen/{n}",
        url=f"https://example.test/uutinen/{n}",
        title="",
        text=lemmas,
        platform="feed",
        language="fi",
        lemmas=lemmas,
        published_at=timezone.now() - timedelta(hours=1),
    )


def rescore_jobs(state: str | None = None) -> list[Job]:
    found = Job.objects.filter(kind="watch.rescore")
    return list(found.filter(state=state) if state else found)


def add(client: Any, org: Any, name: str, keywords: str) -> Any:
    return client.post(url(org, "add/"), {"name": name, "keywords": keywords})


def edit(client: Any, org: Any, topic: Topic, name: str, keywords: str, *, enabled: bool) -> Any:
    data = {"name": name, "keywords": keywords}
    if enabled:
        data["enabled"] = "on"
    return client.post(url(org, f"{topic.pk}/edit/"), data)


def errors(response: Any, form: str = "add_form") -> list[str]:
    assert response.status_code == 400
    return [str(e) for errs in response.context[form].errors.values() for e in errs]


# --- who may see and change ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_member_sees_the_topics_with_keywords_counts_and_state(
    client_for: Any, org: Any, role: str
) -> None:
    topic = make_topic(org, "Asuminen", ["vuokra", "asunto ensin"])
    Topic.objects.filter(pk=make_topic(org, "Päihteet", ["päihde"]).pk).update(enabled=False)
    ItemTopic.objects.create(item=make_item(org, 1, "vuokra"), topic=topic, score=1.0)
    response = client_for(role).get(url(org))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Seurannan aiheet" in html
    assert "vuokra, asunto ensin" in html
    counts = {t.name: (t.item_count, t.enabled) for t in response.context["topics"]}
    assert counts == {"Asuminen": (1, True), "Päihteet": (0, False)}
    assert "Pois käytöstä" in html


def test_the_watch_navigation_links_to_the_topics_page(client_for: Any, org: Any) -> None:
    html = client_for("viewer").get(f"/o/{org.slug}/watch/").content.decode()
    assert f'href="{url(org)}"' in html


def test_a_viewer_sees_no_controls_and_a_manager_does(client_for: Any, org: Any) -> None:
    topic = make_topic(org)
    viewer = client_for("viewer").get(url(org)).content.decode()
    manager = client_for("editor").get(url(org)).content.decode()
    for html, shown in ((viewer, False), (manager, True)):
        assert (url(org, "add/") in html) is shown
        assert (url(org, f"{topic.pk}/edit/") in html) is shown
        assert (url(org, "defaults/") in html) is shown


def test_an_outsider_gets_not_found_and_a_visitor_is_sent_to_log_in(
    client_for: Any, client: Any, org: Any
) -> None:
    topic = make_topic(org)
    assert client_for("outsider").get(url(org)).status_code == 404
    assert client_for("outsider").get(url(org, f"{topic.pk}/edit/")).status_code == 404
    response = client.get(url(org))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


ACTIONS = ("add", "edit", "toggle", "delete", "restore")


def _act(client: Any, org: Any, topic: Topic, action: str) -> Any:
    if action == "add":
        return add(client, org, "Uusi aihe", "uusi")
    if action == "edit":
        return edit(client, org, topic, "Asuminen", "vuokra\nasunto", enabled=True)
    if action == "restore":
        return client.post(url(org, "defaults/"))
    return client.post(url(org, f"{topic.pk}/{action}/"))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_watch_managers_can_change_topics(
    client_for: Any, org: Any, action: str, role: str, status: int
) -> None:
    topic = make_topic(org)
    before = list(Topic.objects.values_list("name", "keywords", "enabled"))
    assert _act(client_for(role), org, topic, action).status_code == status
    changed = list(Topic.objects.values_list("name", "keywords", "enabled")) != before
    assert changed is (status == 302)
    assert bool(rescore_jobs()) is (status == 302)


@pytest.mark.parametrize("page", ["edit/", "delete/"])
@pytest.mark.parametrize(("role", "status"), [("editor", 200), ("viewer", 403), ("outsider", 404)])
def test_only_watch_managers_can_open_the_edit_and_delete_pages(
    client_for: Any, org: Any, page: str, role: str, status: int
) -> None:
    topic = make_topic(org)
    assert client_for(role).get(url(org, f"{topic.pk}/{page}")).status_code == status


def test_a_topic_of_another_organisation_is_not_found(
    client_for: Any, org: Any, other_org: Any
) -> None:
    theirs = make_topic(other_org)
    editor = client_for("editor")
    assert editor.get(url(org, f"{theirs.pk}/edit/")).status_code == 404
    assert editor.post(url(org, f"{theirs.pk}/toggle/")).status_code == 404
    assert editor.post(url(org, f"{theirs.pk}/delete/")).status_code == 404
    assert Topic.objects.get(pk=theirs.pk).enabled
    assert not rescore_jobs()


def test_the_list_page_refuses_a_post_and_the_actions_refuse_a_get(
    client_for: Any, org: Any
) -> None:
    topic = make_topic(org)
    editor = client_for("editor")
    assert editor.get(url(org, "add/")).status_code == 405
    assert editor.get(url(org, f"{topic.pk}/toggle/")).status_code == 405
    assert editor.get(url(org, "defaults/")).status_code == 405


# --- the actions ---------------------------------------------------------------------------------


def test_adding_a_topic_stores_clean_keywords_and_says_so_in_finnish(
    client_for: Any, org: Any
) -> None:
    response = client_for("editor").post(
        url(org, "add/"),
        {"name": "  Asunto  ensin  ", "keywords": "Asunto ensin, asunnottomuus\n\n ASUNTO  ENSIN"},
        follow=True,
    )
    assert response.status_code == 200
    topic = Topic.objects.get(organisation=org)
    assert (topic.name, topic.slug, topic.keywords, topic.enabled) == (
        "Asunto ensin",
        "asunto-ensin",
        ["asunto ensin", "asunnottomuus"],
        True,
    )
    assert "Aihe lisätty: Asunto ensin" in response.content.decode()


def test_the_add_form_explains_base_forms_and_multi_word_keywords(
    client_for: Any, org: Any
) -> None:
    html = client_for("editor").get(url(org)).content.decode()
    assert "perusmuodossa (hyvinvointialue)" in html
    assert "Usean sanan avainsana (asunto ensin)" in html


def test_the_edit_page_shows_the_topic_and_saves_name_keywords_and_state(
    client_for: Any, org: Any
) -> None:
    topic = make_topic(org, "Asuminen", ["vuokra", "asunto ensin"])
    editor = client_for("editor")
    page = editor.get(url(org, f"{topic.pk}/edit/"))
    assert page.status_code == 200
    assert page.context["form"]["keywords"].value() == "vuokra\nasunto ensin"
    assert page.context["form"]["enabled"].value() is True

    response = edit(editor, org, topic, "Asuminen ja koti", "Koti\nvuokra", enabled=False)
    assert response.status_code == 302
    assert response["Location"] == url(org)
    topic.refresh_from_db()
    assert (topic.name, topic.slug, topic.keywords, topic.enabled) == (
        "Asuminen ja koti",
        "asuminen-ja-koti",
        ["koti", "vuokra"],
        False,
    )
    assert len(rescore_jobs("due")) == 1


def test_saving_an_unchanged_topic_queues_no_rematch(client_for: Any, org: Any) -> None:
    topic = make_topic(org, "Asuminen", ["vuokra"])
    response = edit(client_for("editor"), org, topic, "Asuminen", "vuokra", enabled=True)
    assert response.status_code == 302
    assert not rescore_jobs()


def test_disabling_and_enabling_a_topic(client_for: Any, org: Any) -> None:
    topic = make_topic(org)
    editor = client_for("editor")
    response = editor.post(url(org, f"{topic.pk}/toggle/"), follow=True)
    assert "Poistettu käytöstä: Asuminen" in response.content.decode()
    assert not Topic.objects.get(pk=topic.pk).enabled
    editor.post(url(org, f"{topic.pk}/toggle/"))
    assert Topic.objects.get(pk=topic.pk).enabled


def test_deleting_a_topic_asks_first_and_deletes_on_post(client_for: Any, org: Any) -> None:
    topic = make_topic(org)
    ItemTopic.objects.create(item=make_item(org, 1, "vuokra"), topic=topic, score=1.0)
    editor = client_for("editor")
    confirm = editor.get(url(org, f"{topic.pk}/delete/"))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Poista aihe Asuminen" in html
    assert "Aiheeseen on sovitettu 1 kohde." in html
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert not rescore_jobs()

    response = editor.post(url(org, f"{topic.pk}/delete/"))
    assert response.status_code == 302
    assert not Topic.objects.filter(pk=topic.pk).exists()
    assert not ItemTopic.objects.exists()
    assert len(rescore_jobs("due")) == 1


def test_restoring_the_defaults_adds_only_the_missing_topics(client_for: Any, org: Any) -> None:
    editor = client_for("editor")
    editor.post(url(org, "defaults/"))
    assert Topic.objects.filter(organisation=org).count() == len(SEED_TOPICS)
    Topic.objects.filter(slug="asunnottomuus").delete()
    Topic.objects.filter(slug="paihdepalvelut").update(keywords=["oma"], enabled=False)
    Job.objects.all().delete()

    response = editor.post(url(org, "defaults/"), follow=True)
    assert "1 oletusaihe palautettu." in response.content.decode()
    assert Topic.objects.filter(organisation=org).count() == len(SEED_TOPICS)
    assert Topic.objects.get(slug="asunnottomuus").enabled
    kept = Topic.objects.get(slug="paihdepalvelut")
    assert (kept.keywords, kept.enabled) == (["oma"], False)
    assert len(rescore_jobs("due")) == 1


def test_restoring_when_nothing_is_missing_changes_nothing(client_for: Any, org: Any) -> None:
    editor = client_for("editor")
    editor.post(url(org, "defaults/"))
    Job.objects.all().delete()
    response = editor.post(url(org, "defaults/"), follow=True)
    assert "Organisaatiolla on jo kaikki oletusaiheet." in response.content.decode()
    assert not rescore_jobs()


# --- validation ----------------------------------------------------------------------------------


def test_keywords_are_trimmed_lower_cased_and_deduplicated_in_order() -> None:
    text = " Sote , hyvinvointialue\nSOTE\r\n  Asunto   ensin ,,\n\nhyvinvointialue, mielenterveys "
    assert parse_keywords(text) == ["sote", "hyvinvointialue", "asunto ensin", "mielenterveys"]


@pytest.mark.parametrize(
    ("name", "keywords", "message"),
    [
        ("", "sote", "Tämä kenttä vaaditaan."),
        ("   ", "sote", "Tämä kenttä vaaditaan."),
        ("a" * 201, "sote", "enintään 200 merkkiä"),
        ("!!! ???", "sote", "Nimessä on oltava vähintään yksi kirjain tai numero."),
        ("Aihe", "", "Tämä kenttä vaaditaan."),
        ("Aihe", " ,\n , ", "Anna vähintään yksi avainsana."),
        ("Aihe", "sote, " + "a" * 101, "Avainsana voi olla enintään 100 merkkiä pitkä: aaaa"),
        ("Aihe", "sote, 2025", "Avainsanassa on oltava vähintään yksi kirjain: 2025"),
        (
            "Aihe",
            "\n".join(f"sana{n}" for n in range(201)),
            "Aiheella voi olla enintään 200 avainsanaa; näitä on 201.",
        ),
    ],
)
def test_an_invalid_topic_is_refused_with_a_finnish_message(
    client_for: Any, org: Any, name: str, keywords: str, message: str
) -> None:
    response = add(client_for("editor"), org, name, keywords)
    assert any(message in error for error in errors(response)), errors(response)
    assert message in response.content.decode()
    assert not Topic.objects.exists()
    assert not rescore_jobs()


def test_two_hundred_keywords_of_a_hundred_characters_are_accepted(
    client_for: Any, org: Any
) -> None:
    keywords = [f"{n:03d}" + "a" * 97 for n in range(200)]
    response = add(client_for("editor"), org, "Aihe", "\n".join(keywords))
    assert response.status_code == 302
    assert Topic.objects.get().keywords == keywords


@pytest.mark.parametrize("name", ["Päihdepalvelut", "paihdepalvelut", " PÄIHDEPALVELUT! "])
def test_a_name_whose_slug_is_taken_is_refused(client_for: Any, org: Any, name: str) -> None:
    make_topic(org, "Päihdepalvelut", ["päihde"])
    response = add(client_for("editor"), org, name, "huume")
    assert errors(response) == [
        "Organisaatiolla on jo aihe, jolla on sama tai liian samankaltainen nimi: "
        "Päihdepalvelut. Valitse toinen nimi."
    ]


def test_a_name_taken_after_the_forms_check_is_refused_by_the_form_not_a_server_error(
    client_for: Any, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two managers adding the same topic at once: both pass the form's check, and the
    database's unique slug refuses the second write."""
    from kaiku.watch.forms import TopicForm

    monkeypatch.setattr(TopicForm, "clean_name", lambda form: form.cleaned_data["name"])
    make_topic(org, "Päihdepalvelut", ["päihde"])
    response = add(client_for("editor"), org, "Päihdepalvelut", "huume")
    assert response.status_code == 400
    assert errors(response) == [
        "Organisaatiolla on jo aihe, jolla on sama tai liian samankaltainen nimi: "
        "Päihdepalvelut. Valitse toinen nimi."
    ]
    assert Topic.objects.filter(organisation=org).count() == 1
    assert rescore_jobs() == []


def test_a_name_with_a_slug_of_its_own_is_allowed(client_for: Any, org: Any) -> None:
    make_topic(org, "Päihdepalvelut", ["päihde"])
    assert add(client_for("editor"), org, "Päihde-palvelut", "huume").status_code == 302
    assert Topic.objects.filter(slug="paihde-palvelut").exists()


def test_a_slug_longer_than_its_name_is_cut_to_the_column(client_for: Any, org: Any) -> None:
    assert add(client_for("editor"), org, "\ufb01" * 200, "sana").status_code == 302
    assert Topic.objects.get().slug == "fi" * 100


def test_the_same_name_in_another_organisation_is_allowed(
    client_for: Any, org: Any, other_org: Any
) -> None:
    make_topic(other_org, "Asuminen")
    assert add(client_for("editor"), org, "Asuminen", "vuokra").status_code == 302


def test_an_edit_may_keep_its_own_name_but_not_take_anothers(client_for: Any, org: Any) -> None:
    topic = make_topic(org, "Asuminen", ["vuokra"])
    make_topic(org, "Koti", ["koti"])
    editor = client_for("editor")
    assert edit(editor, org, topic, "ASUMINEN", "vuokra", enabled=True).status_code == 302
    response = edit(editor, org, topic, "koti", "vuokra", enabled=True)
    assert "Valitse toinen nimi." in errors(response, "form")[0]
    response = edit(editor, org, topic, "Asuminen", " , ", enabled=True)
    assert errors(response, "form") == ["Anna vähintään yksi avainsana."]
    assert Topic.objects.get(pk=topic.pk).name == "ASUMINEN"


# --- the re-match job ----------------------------------------------------------------------------


def test_changes_queue_exactly_one_pending_rematch(client_for: Any, org: Any) -> None:
    editor = client_for("editor")
    add(editor, org, "Asuminen", "vuokra")
    topic = Topic.objects.get(slug="asuminen")
    editor.post(url(org, f"{topic.pk}/toggle/"))
    editor.post(url(org, "defaults/"))
    (job,) = rescore_jobs()
    assert (job.state, job.payload) == ("due", {"organisation_id": org.pk})


def test_the_page_says_when_a_rematch_is_pending(client_for: Any, org: Any) -> None:
    editor = client_for("editor")
    pending = "Aiheita sovitetaan uudelleen kohteisiin…"
    assert pending not in editor.get(url(org)).content.decode()
    add(editor, org, "Asuminen", "vuokra")
    assert pending in editor.get(url(org)).content.decode()
    run_due_jobs()
    assert pending not in editor.get(url(org)).content.decode()


def test_the_job_matches_items_to_a_new_topic(client_for: Any, org: Any) -> None:
    item = make_item(org, 1, "hallitus esittää asunto ensin periaate jatkua")
    other = make_item(org, 2, "asunto myynti")
    editor = client_for("editor")
    add(editor, org, "Asunto ensin", "Asunto ensin\nasunnottomuus")
    assert not ItemTopic.objects.exists()  # not in the request
    run_due_jobs()
    topic = Topic.objects.get(slug="asunto-ensin")
    assert list(ItemTopic.objects.values_list("item", "topic")) == [(item.pk, topic.pk)]
    assert not ItemTopic.objects.filter(item=other).exists()
    (shown,) = editor.get(url(org)).context["topics"]
    assert shown.item_count == 1
    assert rescore_jobs()[0].state == "done"


def test_a_disabled_topic_stops_counting_after_the_job(client_for: Any, org: Any) -> None:
    make_item(org, 1, "vuokra nousta")
    editor = client_for("editor")
    add(editor, org, "Asuminen", "vuokra")
    run_due_jobs()
    topic = Topic.objects.get(slug="asuminen")
    assert topic.item_links.count() == 1

    editor.post(url(org, f"{topic.pk}/toggle/"))
    run_due_jobs()
    assert topic.item_links.count() == 0
    (shown,) = editor.get(url(org)).context["topics"]
    assert (shown.item_count, shown.enabled) == (0, False)

    editor.post(url(org, f"{topic.pk}/toggle/"))
    run_due_jobs()
    assert topic.item_links.count() == 1


def test_a_deleted_topics_links_go_and_the_others_stay(client_for: Any, org: Any) -> None:
    make_item(org, 1, "vuokra päihde")
    editor = client_for("editor")
    add(editor, org, "Asuminen", "vuokra")
    add(editor, org, "Päihteet", "päihde")
    run_due_jobs()
    assert ItemTopic.objects.count() == 2
    gone = Topic.objects.get(slug="asuminen")
    editor.post(url(org, f"{gone.pk}/delete/"))
    run_due_jobs()
    assert list(ItemTopic.objects.values_list("topic__slug", flat=True)) == ["paihteet"]


def test_an_edit_made_while_the_job_runs_gets_a_run_of_its_own(
    client_for: Any, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = make_item(org, 1, "asunto ensin periaate")
    editor = client_for("editor")
    add(editor, org, "Asuminen", "vuokra")
    topic = Topic.objects.get(slug="asuminen")
    running = claim("worker-1")
    assert running is not None and running.kind == "watch.rescore"

    real_rescore = jobs.rescore

    def rescore_then_edit(organisation: Any) -> int:
        written = real_rescore(organisation)  # has read the topics: the edit comes after
        response = edit(editor, org, topic, "Asuminen", "vuokra\nasunto ensin", enabled=True)
        assert response.status_code == 302
        return written

    monkeypatch.setattr(jobs, "rescore", rescore_then_edit)
    assert execute(running, "worker-1") == "done"
    monkeypatch.setattr(jobs, "rescore", real_rescore)
    assert not ItemTopic.objects.filter(item=item).exists()  # the run saw the old keywords
    assert len(rescore_jobs("due")) == 1  # the edit's own run

    run_due_jobs()
    assert ItemTopic.objects.filter(item=item, topic=topic).exists()
    assert {job.state for job in rescore_jobs()} == {"done"}


def test_edits_while_the_job_runs_add_one_more_job_not_one_each(client_for: Any, org: Any) -> None:
    editor = client_for("editor")
    add(editor, org, "Asuminen", "vuokra")
    assert claim("worker-1") is not None
    topic = Topic.objects.get(slug="asuminen")
    for n in range(3):
        edit(editor, org, topic, "Asuminen", f"vuokra\nsana{n}", enabled=True)
    assert len(rescore_jobs("running")) == 1
    assert len(rescore_jobs("due")) == 1
    html = editor.get(url(org)).content.decode()
    assert "Aiheita sovitetaan uudelleen kohteisiin…" in html


def test_the_next_job_waits_while_the_first_one_runs(client_for: Any, org: Any) -> None:
    make_item(org, 1, "vuokra")
    editor = client_for("editor")
    add(editor, org, "Asuminen", "vuokra")
    first = claim("worker-1")
    assert first is not None
    topic = Topic.objects.get(slug="asuminen")
    edit(editor, org, topic, "Asuminen", "vuokra\nkoti", enabled=True)
    second = claim("worker-2")
    assert second is not None and second.kind == "watch.rescore"

    assert execute(second, "worker-2") == "due"  # its turn comes after the first one's
    second.refresh_from_db()
    assert second.run_at > timezone.now()
    assert second.attempts == 0  # waiting is not a failure
    assert not ItemTopic.objects.exists()

    assert execute(first, "worker-1") == "done"
    assert run_job_now(second.pk).state == "done"
    assert ItemTopic.objects.filter(topic=topic).count() == 1


@pytest.mark.parametrize("payload", [{}, {"organisation_id": "1"}, {"organisation_id": 999999}])
def test_a_rematch_job_without_its_organisation_does_nothing(
    org: Any, payload: dict[str, Any]
) -> None:
    job = Job.objects.create(kind="watch.rescore", payload=payload)
    assert run_job_now(job.pk).state == "done"


def test_the_topics_page_uses_a_fixed_number_of_queries(client_for: Any, org: Any) -> None:
    c = client_for("editor")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url(org)).status_code == 200
        return len(ctx.captured_queries)

    def more(n: int) -> None:
        topic = make_topic(org, f"Aihe {n}", [f"sana{n}", "yhteinen"])
        for k in range(3):
            ItemTopic.objects.create(item=make_item(org, n * 10 + k, "x"), topic=topic, score=1.0)

    more(0)
    queries()  # the first visit records the organisation in the session
    few = queries()
    for n in range(1, 8):
        more(n)
    assert queries() == few
