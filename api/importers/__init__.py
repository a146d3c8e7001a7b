"""Importers: publishers' original files -> submissions in the template's columns."""
