from flask_unchained import AppBundle


class App(AppBundle):
    pass
