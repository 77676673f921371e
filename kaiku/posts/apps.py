from __future__ import annotations

from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "kaiku.posts"
    label = "posts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Inside ready(): the services import models, which Django allows only once every app
        # is loaded. The engine makes a recurring post's next occurrence through this function
        # without importing the posts' services (which import the engine).
        from kaiku.posts.services import spawn_next_repeat
        from kaiku.publishing import repeats

        repeats.provide(spawn_next_repeat)
