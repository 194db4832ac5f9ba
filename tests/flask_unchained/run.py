"""A real Flask Unchained 0.9.0 app (Session Bundle) for the interop tests.

Run with the venv of `scripts/services.sh unchained`, from this directory or any other:
`PORT=5000 SESSION_TYPE=redis python tests/flask_unchained/run.py`. With SESSION_TYPE
sqlalchemy it drops its session table and makes it anew with `db.create_all()`, as a fresh
app's migration would.
"""
import logging
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.chdir(HERE)
warnings.simplefilter("ignore")
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines in test output

from flask_unchained import AppFactory, DEV  # noqa: E402

app = AppFactory().create_app(DEV)

if __name__ == "__main__":
    if os.environ.get("SESSION_TYPE") == "sqlalchemy":
        from flask_unchained.bundles.sqlalchemy import db

        with app.app_context():
            db.drop_all()  # only the session table is in this app's metadata
            db.create_all()
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
