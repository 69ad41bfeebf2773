"""The audit log: which models django-auditlog records, and how."""
