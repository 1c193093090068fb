"""Guichet: a customer-service and complaints platform that runs a company's written policy."""

__version__ = "0.1.0"
