"""A Flask 3 + Flask-Session 0.8 app with the same routes as the `flask_compat` example.

The interop tests run it beside the Rust app on one store and one cookie. Configured from the
environment with the names a Flask app uses: SESSION_TYPE, SESSION_USE_SIGNER, SECRET_KEY,
REDIS_URL, SESSION_FILE_DIR, MEMCACHED_URL, MONGODB_URL, DATABASE_URL, PORT.
"""
import base64
import datetime
import json
import logging
import os
import warnings

from flask import Flask, flash, request, session
from flask_session import Session

warnings.simplefilter("ignore", DeprecationWarning)
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines in test output

app = Flask(__name__)
kind = os.environ.get("SESSION_TYPE", "filesystem")
app.config.update(
    SECRET_KEY=os.environ.get("SECRET_KEY", "dev-secret-key"),
    SESSION_TYPE=kind,
    SESSION_USE_SIGNER=os.environ.get("SESSION_USE_SIGNER", "0") == "1",
    SESSION_PERMANENT=True,
    SESSION_KEY_PREFIX="session:",
)
if kind == "filesystem":
    app.config["SESSION_FILE_DIR"] = os.environ["SESSION_FILE_DIR"]
elif kind == "redis":
    import redis

    app.config["SESSION_REDIS"] = redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
elif kind == "memcached":
    from pymemcache.client.base import Client

    host, port = os.environ.get("MEMCACHED_URL", "memcache://127.0.0.1:11211").split("//")[-1].split(":")
    # noreply=False: pymemcache would otherwise answer before memcached stored the session, and
    # the next request (on the other app) could miss it.
    app.config["SESSION_MEMCACHED"] = Client((host, int(port)), default_noreply=False)
elif kind == "mongodb":
    import pymongo

    app.config["SESSION_MONGODB"] = pymongo.MongoClient(os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017"))
elif kind == "sqlalchemy":
    from flask_sqlalchemy import SQLAlchemy

    url = os.environ["DATABASE_URL"].replace("mysql://", "mysql+pymysql://").replace("postgres://", "postgresql+psycopg2://")
    if "://" not in url:
        url = "sqlite:///" + os.path.abspath(url)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SESSION_SQLALCHEMY"] = SQLAlchemy(app)
    app.config["SESSION_SQLALCHEMY_TABLE"] = os.environ.get("SESSION_SQLALCHEMY_TABLE", "flask_sessions")
Session(app)


def plain(v):
    """A session value as JSON, with the same conventions as the Rust app."""
    if isinstance(v, bytes):
        return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    return v


def parse(v, t):
    if t == "int":
        return int(v)
    if t == "float":
        return float(v)
    if t == "bytes":
        return base64.b64decode(v)
    if t == "json":
        return json.loads(v)
    return v


@app.get("/set")
def set_():
    session[request.args["k"]] = parse(request.args["v"], request.args.get("t", "str"))
    return {"ok": True}


@app.get("/get")
def get():
    return json.dumps(plain(session.get(request.args["k"])))


@app.get("/dump")
def dump():
    return json.dumps(plain(dict(session)))


@app.get("/clear")
def clear():
    session.clear()
    return {"ok": True}


@app.get("/flash")
def flash_():
    flash(request.args["m"], request.args.get("c", "message"))
    return {"ok": True}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
