"""Staff alerts during an incident (a boil-water notice, a flood): published in the review app, kept in the
assistant's database, answered first to the messages that match their phrases, shown on the web chat page.

`records` (the table and its changes), `matching` (phrases in the lexicons' one pattern language), `active` (what
every instance reads, cached a few seconds), `notice` (the words a resident receives).
"""
