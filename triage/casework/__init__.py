"""Working cases: routing, urgency, SLA clock, board, case view, replies, saved replies."""
