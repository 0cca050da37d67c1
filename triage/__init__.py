"""The staff side: board, case view, routing, urgency, SLA clock, supervision, audit trail."""
