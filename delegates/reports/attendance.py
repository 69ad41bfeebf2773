"""Attendance reports: by session, delegation x session matrix, summary."""
