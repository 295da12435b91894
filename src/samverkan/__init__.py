"""Samverkan mot brott."""
