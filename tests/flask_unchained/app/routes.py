from flask_unchained import controller

from .views import SiteController

routes = lambda: [
    controller(SiteController),
]
