from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from cms.api import CataloguePagesAPIViewSet

content_api = WagtailAPIRouter("wagtailapi")
content_api.register_endpoint("pages", CataloguePagesAPIViewSet)
content_api.register_endpoint("images", ImagesAPIViewSet)
content_api.register_endpoint("documents", DocumentsAPIViewSet)
