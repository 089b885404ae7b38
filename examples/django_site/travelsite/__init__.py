"""A small Django 5 site (ASGI) with Omotenashi in front of it."""
