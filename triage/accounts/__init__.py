"""Staff accounts: users, roles, teams, passwords, sessions, second factor, audit trail."""
