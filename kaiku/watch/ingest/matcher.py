"""The organisation's enabled topics as the matcher that the prepare stage applies.

Read here, in the ingest, so that the pipeline needs nothing from the features; the topics
feature (``kaiku.watch.features.topics``) uses the same matcher to re-match stored items.
"""

from __future__ import annotations

from kaiku.watch.ingest.analysis import TopicMatcher, TopicSpec
from kaiku.watch.models import Topic


def topic_specs(organisation_id: int) -> list[TopicSpec]:
    return [
        TopicSpec(pk, name, tuple(str(k) for k in keywords if isinstance(k, str)))
        for pk, name, keywords in Topic.objects.filter(
            organisation_id=organisation_id, enabled=True
        ).values_list("id", "name", "keywords")
    ]


def matcher_for(organisation_id: int) -> TopicMatcher:
    return TopicMatcher(topic_specs(organisation_id))
