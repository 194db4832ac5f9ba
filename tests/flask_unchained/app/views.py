"""The routes of `tests/flask/app.py` (and of the `flask_compat` example), as a Controller."""
import base64
import datetime
import json

from flask_unchained import Controller, request, route, session


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


class SiteController(Controller):
    @route("/set")
    def set_(self):
        session[request.args["k"]] = parse(request.args["v"], request.args.get("t", "str"))
        return {"ok": True}

    @route("/get")
    def get(self):
        return json.dumps(plain(session.get(request.args["k"])))

    @route("/dump")
    def dump(self):
        return json.dumps(plain(dict(session)))

    @route("/clear")
    def clear(self):
        session.clear()
        return {"ok": True}
