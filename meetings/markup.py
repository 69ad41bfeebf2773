"""Minutes are written in Markdown and shown as sanitised HTML.

Markdown passes raw HTML through, so its output is cleaned by nh3 (the
Ammonia sanitiser) with a short list of tags: whatever a rapporteur types,
no script, style, event handler or foreign URL scheme reaches a page.
"""

import markdown
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str):
    """Markdown to HTML that is safe to put on a page as it is."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    # nh3 has just removed anything unsafe, so the result may be marked safe.
    return mark_safe(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
        )
    )
