"""The audit log in words: every action code (and detail key) that kaiku/ records has a label
in Finnish, Swedish and English, and the log page shows the label, keeping the code as data."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

import kaiku
from kaiku.organisations import audit

KAIKU = Path(kaiku.__file__).parent
_NOT_DETAIL = {"request", "actor", "organisation", "target"}


def _strings(node: ast.expr) -> list[str]:
    """The codes an argument can be: a string, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    raise AssertionError(f"an audit action that is not a literal: {ast.unparse(node)}")


def _recorded() -> tuple[set[str], set[str]]:
    """Action codes and detail keys of every ``audit.record``/``audit.record_many`` call."""
    actions: set[str] = set()
    keys: set[str] = set()
    for path in KAIKU.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_many")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            actions.update(_strings(node.args[0]))
            keys.update(k.arg for k in node.keywords if k.arg and k.arg not in _NOT_DETAIL)
            if node.func.attr == "record_many":
                # (organisation, target, {detail}) tuples built in a comprehension.
                keys.update(
                    k.value
                    for d in ast.walk(node.args[1])
                    if isinstance(d, ast.Dict)
                    for k in d.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                )
    return actions, keys


def test_the_search_finds_the_audit_calls() -> None:
    actions, keys = _recorded()
    assert {"post.approved", "login", "channel.reconnected", "two_factor.replaced"} <= actions
    assert {"post", "reason", "role"} <= keys


def test_every_recorded_action_has_a_label_in_finnish_swedish_and_english() -> None:
    actions, _keys = _recorded()
    missing = sorted(actions - set(audit.ACTIONS))
    assert not missing, f"audit actions without a label: {missing}"
    untranslated = []
    for code in sorted(actions):
        with translation.override("en"):
            english = audit.action_label(code)
        for language in ("fi", "sv"):
            with translation.override(language):
                label = audit.action_label(code)
            if label in (english, code):
                untranslated.append(f"{language} {code}: {label}")
        assert english != code
    assert not untranslated, "\n".join(untranslated)


def test_every_recorded_detail_key_has_a_label_in_finnish_and_swedish() -> None:
    _actions, keys = _recorded()
    assert not sorted(keys - set(audit.DETAIL_KEYS))
    for key in keys:
        with translation.override("en"):
            english = str(audit.DETAIL_KEYS[key])
        for language in ("fi", "sv"):
            with translation.override(language):
                assert str(audit.DETAIL_KEYS[key]) != english, (language, key)


@pytest.mark.django_db
def test_the_audit_log_shows_the_label_and_keeps_the_code_as_data(
    client_for: Any, org: Any
) -> None:
    audit.record("post.approved", organisation=org, target="x", reason="privacy_block")
    html = client_for("admin").get("/o/toivon-polku/audit/").content.decode()
    assert 'data-action="post.approved"' in html
    assert ">Julkaisu hyväksyttiin<" in html
    assert "Syy: tekstissä voi olla asiakkaan tietoja" in html
    assert ">post.approved<" not in html and "privacy_block" not in html.split("<tbody>")[1]
