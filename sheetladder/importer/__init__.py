"""Import an existing descriptor matrix (.xlsx, .ods, .csv or a Google Sheet) into a definition.

Teams often keep their ladder as a spreadsheet already; adopting sheetladder must not mean
retyping it. Every input is first normalised to a :class:`Table` (cell texts plus merged
ranges), so one detection routine serves every format. Detection never guesses silently: what
it could not place (empty cells, duplicate names, merged regions spanning levels, stray notes)
is returned as located :class:`Note` objects, and an empty descriptor becomes a placeholder
marked ``drafted`` so the definition still validates.
"""
