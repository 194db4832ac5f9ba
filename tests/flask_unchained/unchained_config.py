"""Which bundles the app runs: the Session Bundle, the SQLAlchemy Bundle for SESSION_TYPE
sqlalchemy, and the app bundle (always last)."""
import os

BUNDLES = (["flask_unchained.bundles.sqlalchemy"] if os.environ.get("SESSION_TYPE") == "sqlalchemy" else []) + [
    "flask_unchained.bundles.session",
    "app",
]
