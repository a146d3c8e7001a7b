"""HTML: the declaration of the HTML representation, the linked-data page models and schema.org markup."""

from api.formats.spec import FormatSpec

HTML = FormatSpec(id="html", media_type="text/html", title="HTML", names=("html",), suffixes=(".html",), charset=True)
