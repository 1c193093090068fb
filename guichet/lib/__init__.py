"""Helpers with no models of their own."""
