"""What the watch does with the stored items, beside the ingest that stores them.

- ``digest``: the ranked page and the digest e-mail.
- ``debate``: the items that are being talked about now.
- ``discovery``: suggested accounts and following them.
- ``topics``: the organisation's topics, seeding them and re-matching items.
- ``opml``: importing and exporting sources as OPML.
"""
