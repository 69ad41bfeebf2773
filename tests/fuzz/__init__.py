"""Property-based tests: the public forms and the check-in desk fed anything."""
