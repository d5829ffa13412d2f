"""A Sphinx hook for the API page: members documented in their class docstring are not listed twice.

gmm_teach documents a dataclass's fields and an explorer's traits in the "Attributes" section of the class
docstring (numpydoc), which napoleon turns into attribute entries. autodoc would also list the same fields and
traits as members, and Sphinx warns about the duplicate description, which fails the ``-W`` build. This hook
skips exactly those members: annotation-only attributes (dataclass fields) and traitlets descriptors.
"""

from sphinx.ext.autodoc import INSTANCEATTR, UNINITIALIZED_ATTR
from traitlets import TraitType


def skip_members_documented_by_their_class(app, what, name, obj, skip, options):
    """``autodoc-skip-member`` handler: True (skip) for dataclass fields and traits, else no opinion."""
    if what == "class" and (obj is INSTANCEATTR or obj is UNINITIALIZED_ATTR or isinstance(obj, TraitType)):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_members_documented_by_their_class)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
