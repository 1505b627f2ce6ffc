"""HTML of received mail made safe to show (nh3, an allowlist sanitiser).

Only formatting tags and attributes survive; no script, no event handler,
no form, no frame, no object, no <style> element (its content is dropped),
no <base>/<meta>/<link>. ``style`` attributes keep a list of harmless
properties (none of them takes a URL). Links keep http, https and mailto
targets and open in a new window without referrer. Images:

- ``cid:`` sources are rewritten to the view serving the message's part;
- ``data:`` sources are kept for raster types only (never SVG);
- remote (http/https) sources are dropped unless the user asked for them,
  and counted, so the page can offer to show them.

The result is further confined by the Content-Security-Policy of the
sandboxed frame it is shown in (see views_read.body).
"""

import re
from dataclasses import dataclass

import nh3

TAGS = {
    "a", "abbr", "acronym", "address", "b", "bdi", "bdo", "big", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "font", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt",
    "ruby", "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var",
    "wbr",
}  # fmt: skip

COMMON_ATTRIBUTES = {"align", "dir", "lang", "style", "title", "valign", "width", "height"}

ATTRIBUTES = {
    "*": COMMON_ATTRIBUTES,
    "a": {"href", "name"},
    "img": {"src", "alt", "border", "hspace", "vspace"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor", "summary"},
    "td": {"colspan", "rowspan", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "bgcolor", "nowrap", "scope"},
    "tr": {"bgcolor"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
}

#: CSS properties kept in style attributes: none takes a URL or moves the
#: element out of the message's box.
STYLE_PROPERTIES = {
    "background-color", "border", "border-bottom", "border-collapse", "border-color",
    "border-left", "border-radius", "border-right", "border-spacing", "border-style",
    "border-top", "border-width", "clear", "color", "direction", "display", "float",
    "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
    "height", "letter-spacing", "line-height", "list-style-type", "margin",
    "margin-bottom", "margin-left", "margin-right", "margin-top", "max-height",
    "max-width", "min-height", "min-width", "padding", "padding-bottom", "padding-left",
    "padding-right", "padding-top", "text-align", "text-decoration", "text-indent",
    "text-transform", "vertical-align", "white-space", "width", "word-break",
    "word-spacing", "word-wrap",
}  # fmt: skip

_DATA_IMAGE = re.compile(
    r"^data:image/(png|gif|jpeg|jpg|webp|bmp);base64,[A-Za-z0-9+/=\s]*$", re.I
)
# CSS functions that fetch or compute; escapes (u\rl) are refused too.
_CSS_FUNCTION = re.compile(r"(url|expression|image-set|image|@import|var|env)\s*\(", re.I)
_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.I)
_REMOTE = re.compile(r"^(https?:)?//", re.I)


@dataclass
class CleanHtml:
    html: str
    blocked_images: int


def clean_html(html, cid_url=None, allow_remote=False):
    """Sanitise ``html``; ``cid_url(content_id)`` gives the URL of an inline
    part (or None when the message has no such part).
    """
    blocked = 0

    def attribute_filter(tag, attribute, value):
        nonlocal blocked
        value = value.strip()
        if attribute == "style" and (_CSS_FUNCTION.search(value) or "\\" in value):
            return None
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return cid_url(value[4:].strip("<> ")) if cid_url else None
            if _DATA_IMAGE.match(value):
                return value
            if _REMOTE.match(value) and value.lower().startswith(("http:", "https:")):
                if allow_remote:
                    return value
                blocked += 1
            return None
        if tag == "a" and attribute == "href":
            return value if _SAFE_LINK.match(value) else None
        if attribute in ("cite",):
            return value if _SAFE_LINK.match(value) else None
        return value

    cleaned = _clean(
        html,
        attribute_filter,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )
    return CleanHtml(cleaned, blocked)


def clean_outgoing(html):
    """Sanitise the HTML body of a message the user sends, with the same
    tags, attributes and style properties as the messages shown; images
    keep their sources (``cid:``, raster ``data:``, http and https), links
    their http, https and mailto targets.
    """

    def attribute_filter(tag, attribute, value):
        value = value.strip()
        if attribute == "style" and (_CSS_FUNCTION.search(value) or "\\" in value):
            return None
        if tag == "img" and attribute == "src":
            lowered = value.lower()
            if lowered.startswith(("cid:", "http:", "https:")) or _DATA_IMAGE.match(value):
                return value
            return None
        if (tag == "a" and attribute == "href") or attribute == "cite":
            return value if _SAFE_LINK.match(value) else None
        return value

    return _clean(html, attribute_filter, link_rel="noopener noreferrer")


def _clean(html, attribute_filter, **options):
    """nh3 with the allow-list shared by the messages shown and sent."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "title", "noscript", "template", "textarea"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        strip_comments=True,
        filter_style_properties=STYLE_PROPERTIES,
        **options,
    )
