"""Inbound channels: each turns raw input into one normalised message (one sub-package each)."""
