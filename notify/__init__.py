"""Notifications: transactional outbox, Dramatiq broker and actors, channels, delivery webhooks.

Imports neither `intake` nor `triage`: what a message needs travels in the outbox payload.
"""
