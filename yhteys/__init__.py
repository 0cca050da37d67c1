"""Yhteys: the composition root.

Leaf modules here (settings, db, clock, i18n, templating, web) are the shared foundation that
`intake`, `triage` and `notify` may import; `app` and `cli` compose the packages and are imported
by nobody.
"""
