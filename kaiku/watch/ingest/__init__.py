"""The watch's ingest, one module per stage, wired by ``pipeline``.

- ``kaiku.watch.fetch``: the HTTP client that reads a source (conditional GET, size and time caps).
- ``parse``: bytes to entries (RSS, Atom, JSON Feed); ``sanitize``: HTML to safe text and links.
- ``body``: a poll's result and its feed body to be parsed (``read_body``), what a parse worker
  process gets; it imports neither Django nor the HTTP client.
- ``analysis`` and ``prepare``: language, lemmas, topic points; entries to ``PreparedItem``.
  These run without Django, so the pipeline may hand them to worker processes. ``matcher``
  reads the organisation's topics into the matcher they apply.
- ``store``: prepared items into the database, merged by URL and content.
- ``rank``: the digest's stored rank key.
- ``pipeline``: due sources, the threads and the process pool, one outcome per source.

Callers outside the ingest use ``pipeline`` (``run_once``, ``poll_one``), ``rank`` and
``matcher``; the digest's search reuses ``analysis`` for its lemmas. Nothing here imports
``kaiku.watch.features``.
"""
