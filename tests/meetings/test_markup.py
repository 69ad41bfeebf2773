"""Minutes text is Markdown; nothing executable survives rendering."""

import pytest

from meetings.markup import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("The Meeting **agreed** to:\n\n1. draft AMCAP-IV\n2. AMIS")
    assert "<strong>agreed</strong>" in html
    assert "<ol>" in html and "<li>draft AMCAP-IV</li>" in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://example.org'></iframe>",
        "<style>body{display:none}</style>",
        '<p onclick="alert(1)">x</p>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_script_and_html_never_come_through(text):
    html = render_markdown(text).lower()
    for needle in (
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
        "<img",
        "<svg",
    ):
        assert needle not in html


def test_links_keep_safe_schemes_and_get_noopener():
    html = render_markdown("[AMIS](https://example.org/amis)")
    assert 'href="https://example.org/amis"' in html
    assert "noopener" in html


def test_empty_text_renders_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
