"""REST API of the relay domains application."""
