"""EMPlayer.to_html() opened in Chromium with the network blocked: the player's buttons still show their icons.

matplotlib's own player draws its buttons with Font Awesome from a CDN, so offline they are blank; ours are
inline SVG (gmm_teach.animation.offline_player).
"""

import pytest

from gmm_teach import datasets

pytest.importorskip("playwright.sync_api")


def test_html_animation_buttons_show_with_the_network_blocked(offline_page, tmp_path, artifacts, monkeypatch):
    monkeypatch.setenv("GMM_MPL_BACKEND", "inline")
    from gmm_teach.widgets import EMPlayer

    player = EMPlayer(datasets.load_old_faithful(), n_components=2, max_iter=3)
    path = tmp_path / "em.html"
    path.write_text(player.to_html(), encoding="utf-8")
    player.close()
    blocked = []
    offline_page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file:")
            else (blocked.append(route.request.url), route.abort())[-1]
        ),
    )
    offline_page.goto(path.as_uri())
    offline_page.wait_for_selector(".anim-buttons button")
    sizes = offline_page.eval_on_selector_all(
        ".anim-buttons button",
        "buttons => buttons.map(b => { const icon = b.querySelector('svg');"
        " if (!icon) return [0, 0]; const box = icon.getBoundingClientRect(); return [box.width, box.height]; })",
    )
    assert len(sizes) == 9 and all(width >= 8 and height >= 8 for width, height in sizes)
    # the icon is drawn: its pixels differ from the button's background
    button = offline_page.locator(".anim-buttons button").nth(5)  # Play
    png = button.screenshot(path=artifacts / "offline_player_play_button.png")
    from io import BytesIO

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(png)).convert("L"))
    assert pixels.min() < 100 < pixels.max()  # a dark glyph on a light button
    offline_page.locator(".anim-buttons button").nth(6).click()  # next frame works
    assert blocked == [] and offline_page.blocked == [] and offline_page.js_errors == []
    offline_page.screenshot(path=artifacts / "offline_player.png")
