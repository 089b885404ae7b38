"""Measurement: exposures, goals and conversions per rule and arm, and the report on them.

Pure modules: :mod:`.stats` (intervals, split check, verdicts), :mod:`.counting` (what a page
view adds, and the key design), :mod:`.report` (rows from daily counts), :mod:`.text` and
:mod:`.htmlreport` (outputs), :mod:`.notes` (what every report says under its table),
:mod:`.svgplot` (the charts).
"""
