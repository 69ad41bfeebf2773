"""Demo content for the portal, loaded by `manage.py seed_demo`.

`data` holds the static facts and fictional people as plain tuples and dicts;
`loader` writes them to the database so that a second run changes nothing.
"""
