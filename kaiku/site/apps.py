from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The organisation's own public site: its feed (the "feed" channel) as pages, Atom and RSS."""

    name = "kaiku.site"
    label = "site"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Here, not at import: the store uses the site's models, loaded only now.
        from kaiku.channels import registry
        from kaiku.site.entries import FeedEntries

        registry.provide_entry_store("feed", FeedEntries())
