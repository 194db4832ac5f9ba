"""Configuration by environment, from the names a Flask Unchained app uses.

SESSION_TYPE (redis, sqlalchemy, memcached), SESSION_USE_SIGNER (0/1), SECRET_KEY,
REDIS_URL, DATABASE_URL (postgres://, mysql://, or a SQLite file path), SESSION_SQLALCHEMY_TABLE,
MEMCACHED_URL. Everything else keeps the Session Bundle's defaults.
"""
import os

from flask_unchained import BundleConfig

KIND = os.environ.get("SESSION_TYPE", "redis")


def database_uri(url):
    """A DATABASE_URL as SQLAlchemy 1.4 spells it."""
    if "://" not in url:
        return "sqlite:///" + os.path.abspath(url)
    return url.replace("postgres://", "postgresql+psycopg2://").replace("mysql://", "mysql+pymysql://")


class Config(BundleConfig):
    SECRET_KEY = os.environ.get("SECRET_KEY", "not-secret-in-tests")
    SESSION_TYPE = KIND
    SESSION_USE_SIGNER = os.environ.get("SESSION_USE_SIGNER", "0") == "1"
    if KIND == "redis":
        import redis

        SESSION_REDIS = redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    elif KIND == "sqlalchemy":
        SQLALCHEMY_DATABASE_URI = database_uri(os.environ["DATABASE_URL"])
        SESSION_SQLALCHEMY_TABLE = os.environ.get("SESSION_SQLALCHEMY_TABLE", "flask_sessions")
    elif KIND == "memcached":
        from pymemcache.client.base import Client

        host, port = os.environ.get("MEMCACHED_URL", "memcache://127.0.0.1:11211").split("//")[-1].split(":")
        # noreply=False: the next request (maybe on the other app) must find what this one stored.
        SESSION_MEMCACHED = Client((host, int(port)), default_noreply=False)


class DevConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
