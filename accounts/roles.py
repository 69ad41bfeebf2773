"""Roles as groups, and the permissions each holds (docs/permissions.md)."""
