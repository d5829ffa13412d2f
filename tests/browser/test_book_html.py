"""The built book (book/_build/html, from `make book`) in Chromium: every chapter renders, offline.

Requests to other hosts (MathJax or fonts from a CDN, say) are blocked and recorded; they are the only
errors a page may have.
"""

import re
from pathlib import Path

import pytest
import yaml

TOC = Path(__file__).resolve().parents[2] / "book" / "_toc.yml"


def chapters():
    """The root page and every chapter of book/_toc.yml, in order."""
    toc = yaml.safe_load(TOC.read_text())
    return [toc["root"]] + [entry["file"] for part in toc.get("parts", []) for entry in part["chapters"]]


@pytest.mark.parametrize("chapter", chapters())
def test_chapter_renders_title_and_figures_without_errors(book_site, offline_page, chapter):
    page = offline_page
    page.goto(f"{book_site}/{chapter}.html", wait_until="load")
    title = page.locator("article h1").first
    assert title.is_visible()
    heading = re.sub(r"[#¶\s]+$", "", title.inner_text()).strip()
    assert heading and heading.split()[-1] in page.title()
    figures = page.locator("article img")
    for index in range(figures.count()):
        figure = figures.nth(index)
        figure.scroll_into_view_if_needed()
        size = figure.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
        assert size[0] and size[1] > 0 and size[2] > 0, f"figure {index} of {chapter} did not load"
    assert page.failed_requests == [], f"{chapter} links files that are not in the build"
    assert page.js_errors == [], f"uncaught JavaScript errors on {chapter}"


def test_em_animation_advances_when_played(book_site, offline_page, artifacts):
    page = offline_page
    page.goto(f"{book_site}/03_em_step_by_step.html", wait_until="load")
    animation = page.locator("div.animation").first
    animation.scroll_into_view_if_needed()
    slider, frame = animation.locator("input.anim-slider"), animation.locator("img").first
    assert int(slider.get_attribute("max") or 0) > 0 or int(slider.evaluate("s => s.max")) > 0
    start_frame, start_image = slider.input_value(), frame.get_attribute("src")
    assert start_frame == "0"
    animation.get_by_title("Play", exact=True).click()
    page.wait_for_function("slider => parseInt(slider.value) >= 1", arg=slider.element_handle())
    animation.get_by_title("Pause", exact=True).click()
    assert frame.get_attribute("src") != start_image
    animation.screenshot(path=artifacts / "book_em_animation.png")
    assert page.js_errors == [], "uncaught JavaScript errors on 03_em_step_by_step"


def test_formulas_are_typeset_with_no_network(book_site, offline_page):
    """MathJax comes from the book itself (book/_ext/gmm_mathjax.py): every formula is typeset offline."""
    page = offline_page
    page.goto(f"{book_site}/03_em_step_by_step.html", wait_until="load")
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
        " && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0"
    )
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('span.math, div.math')]"
        ".filter(node => /\\\\[(\\[]/.test(node.textContent)).length"
    )
    assert untypeset == 0, f"{untypeset} formulas still show raw TeX"
    assert not any("mathjax" in url.lower() for url in page.blocked)
