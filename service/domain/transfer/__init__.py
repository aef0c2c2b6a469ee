"""Comments in and out of a site: readers of Disqus, WordPress, Isso and Sieve exports, the batched
idempotent writer, and the JSON Lines / CSV export. Used by `sieve import`/`export`, admin pages."""
