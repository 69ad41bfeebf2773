"""The List of Participants and the sign-in sheets."""
