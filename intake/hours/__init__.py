"""The chat advice for undocumented people: opening hours as data, the public box, the feed."""
