"""Staff transcript review app: the Communications team reads, filters, follows up and exports conversations.

A Sanic app (`make review`) that reads the assistant's tracker store read-only and keeps its own data (users,
notes, tags, reviewed marks, a derived conversation index) in a separate review database.
"""
