"""rendition for Django: a drop-in for django-versatileimagefield whose renditions rendition makes.

Add "rendition_django" to INSTALLED_APPS and use `rendition_django.fields.RenditionImageField`
(and `PPOIField`) where the models used VersatileImageField.
"""

__version__ = "0.1.0"
