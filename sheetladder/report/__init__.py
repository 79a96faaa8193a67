"""``sheetladder report``: a static HTML site of one period, a team page and a page per person.

:mod:`.site` arranges an export's figures into pages (Jinja2 templates in ``templates/``),
:mod:`.charts` draws the inline SVG charts, :mod:`.calibration` reads the calibration figures
for the team page, and :mod:`.source` collects workbooks into a temporary history so that a
report of workbooks takes the same path as one of the history.
"""
