"""The public side: request forms, submission, reference codes, status page, attachments."""
