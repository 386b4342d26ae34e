"""The question log: every question asked, pseudonymised, written off the answer path."""
