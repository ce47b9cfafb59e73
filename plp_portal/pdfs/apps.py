from django.apps import AppConfig


class PdfsConfig(AppConfig):
    name = "plp_portal.pdfs"
    label = "pdfs"
    verbose_name = "PDF renders"
