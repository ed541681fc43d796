"""The explorer in headless Chromium against the real API over the Stack Exchange slice."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import graphql, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _open(page: Page, api_url: str) -> None:
    page.goto(f"{api_url}/ui/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def _idle(page: Page) -> None:
    page.wait_for_function("() => window.__influence && window.__influence.busy === 0")


def _top_person(api_url: str) -> str:
    data: Any = graphql(api_url, "{ leaderboard(first: 1) { edges { node { id } } } }")
    return str(data["leaderboard"]["edges"][0]["node"]["id"])


def _visible(page: Page) -> dict[str, int]:
    result: dict[str, int] = page.evaluate("() => window.__influence.visible()")
    return result


def _canvas_is_drawn(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of pixels that differ from the most common (background)."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20) or []
    background = max(colours)[0]
    total = img.width * img.height
    return len(colours), 1 - background / total


def _search_and_open(page: Page, api_url: str) -> str:
    person = _top_person(api_url)
    page.get_by_label("Search people by handle or name").fill(person)
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.locator(f'#results button[data-person="{person}"]')
    expect(result).to_be_visible()
    result.click()
    expect(page.locator("#card")).to_have_attribute("data-person", person)
    _idle(page)
    return person


def test_landing_shows_names_and_a_part_of_a_name_finds_the_person(
        page: Page, api_url: str) -> None:
    """The page opens on the top people and their strongest links, labelled by name; typing
    part of a display name finds the person, whose card links to their profile."""
    data: Any = graphql(api_url, "{ leaderboard(first: 1) { edges { node { id name "
                        "accounts { url } } } } }")
    top = data["leaderboard"]["edges"][0]["node"]
    assert top["name"], "Stack Exchange users have display names"
    _open(page, api_url)
    expect(page.locator("#graph")).to_have_attribute("data-landing", "15")
    _idle(page)
    labels: list[str] = page.evaluate(
        "() => window.__influence.graph.mapNodes((n, a) => a.label)")
    assert len(labels) > 15, "the top people and their links are drawn at once"
    assert top["name"] in labels
    assert not [label for label in labels if label.startswith("stackexchange:")], \
        "every node is labelled by name, none by id"
    # the landing layout settles and the camera fits the whole graph before the picture
    expect(page.locator("#graph")).to_have_attribute("data-fitted", "true", timeout=10_000)
    save_screenshot(page, "landing")
    part = max(top["name"].split(), key=len)[:4].lower()
    page.get_by_label("Search people by handle or name").fill(part)
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.locator(f'#results button[data-person="{top["id"]}"]')
    expect(result).to_contain_text(top["name"])
    result.click()
    expect(page.locator("#card-title")).to_have_text(top["name"])
    link = page.locator('#card [data-testid="profiles"] a').first
    expect(link).to_have_attribute("href", top["accounts"][0]["url"])


def test_search_expand_and_explanation(page: Page, api_url: str) -> None:
    _open(page, api_url)
    person = _search_and_open(page, api_url)
    score = page.locator('#card [data-testid="score"]').inner_text()
    assert score != "—", "the top person's score is published under not_opted_out"

    figures = page.locator('#card [data-testid="explanation"] figure.explanation')
    expect(figures.first).to_be_visible()
    shown = float(score)
    assert figures.count() >= 2  # by kind, by network (and by engager)
    for i in range(figures.count()):
        fig = figures.nth(i)
        explained = float(fig.get_attribute("data-score") or "nan")
        assert explained == pytest.approx(shown, abs=0.01)
        parts = [float(v) for v in fig.locator(".part").evaluate_all(
            "(els) => els.map((e) => e.dataset.partValue)")]
        assert parts
        assert sum(parts) == pytest.approx(explained, abs=0.05)

    assert page.evaluate("() => window.__influence.graph.order") > 1, "the ego network shows"
    neighbour = page.locator('#card [data-testid="neighbours"] button').first
    other = neighbour.get_attribute("data-person")
    assert other
    assert other != person
    neighbour.click()
    expect(page.locator("#card")).to_have_attribute("data-person", other)
    page.wait_for_function(
        "(id) => window.__influence.graph.getNodeAttribute(id, 'expanded') === true", arg=other)
    _idle(page)
    page.wait_for_timeout(1600)  # let the ForceAtlas2 pass settle before the picture
    page.locator("#card").evaluate("(el) => { el.scrollTop = 0; }")
    save_screenshot(page, "people-graph")


def test_canvas_is_not_blank(page: Page, api_url: str) -> None:
    _open(page, api_url)
    _search_and_open(page, api_url)
    page.wait_for_timeout(1600)
    colours, drawn = _canvas_is_drawn(page.locator("#graph").screenshot())
    assert colours > 20
    assert drawn > 0.002


def test_filters_change_what_is_shown(page: Page, api_url: str) -> None:
    _open(page, api_url)
    person = _search_and_open(page, api_url)
    scores: list[float] = page.evaluate(
        """(centre) => window.__influence.graph.filterNodes((n) => n !== centre)
             .map((n) => window.__influence.graph.getNodeAttribute(n, 'person').score)
             .filter((s) => s !== null)""", person)
    assert len(set(scores)) > 1, "neighbours with different scores to filter on"
    before = _visible(page)
    threshold = sorted(scores)[len(scores) // 2] + 1e-6
    slider = page.get_by_label("Minimum score")
    slider.focus()
    slider.evaluate(f"(el) => {{ el.value = '{min(100, int(threshold) + 1)}'; "
                    "el.dispatchEvent(new Event('input', {bubbles: true})); }")
    after = _visible(page)
    assert after["nodes"] < before["nodes"]
    assert after["edges"] < before["edges"]
    hidden_ok = page.evaluate(
        """([centre, min]) => window.__influence.graph.everyNode((n, a) =>
             n === centre || a.expanded || a.hidden === ((a.person.score ?? -1) < min))""",
        [person, min(100, int(threshold) + 1)])
    assert hidden_ok
    expect(page.locator("#status")).to_have_attribute("data-visible-nodes", str(after["nodes"]))
    save_screenshot(page, "filtered")
    slider.evaluate("(el) => { el.value = '0'; "
                    "el.dispatchEvent(new Event('input', {bubbles: true})); }")
    assert _visible(page) == before


def test_keyboard_and_labels(page: Page, api_url: str) -> None:
    _open(page, api_url)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button')]
             .filter((e) => e.offsetParent !== null)
             .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                            && !(e.textContent || '').trim())
             .map((e) => e.id || e.outerHTML)""")
    assert unlabelled == []
    for _ in range(10):  # the search box is reachable with Tab
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "search-input":
            break
    assert page.evaluate("() => document.activeElement.id") == "search-input"
    person = _top_person(api_url)
    page.keyboard.type(person)
    page.keyboard.press("Enter")
    expect(page.locator(f'#results button[data-person="{person}"]')).to_be_visible()
    _idle(page)  # the result list is final (a later answer would replace the focused button)
    page.locator(f'#results button[data-person="{person}"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#card")).to_have_attribute("data-person", person)


def test_topic_view(page: Page, api_url: str) -> None:
    _open(page, api_url)
    page.get_by_role("tab", name="Topics").click()
    topic = page.locator("#topic-list button").first
    expect(topic).to_be_visible()
    topic.click()
    expect(page.locator('[data-testid="topic-leaderboard"] li').first).to_be_visible()
    page.wait_for_timeout(1600)
    assert int(page.locator("#topic-graph").get_attribute("data-nodes") or "0") > 0
    save_screenshot(page, "topics")
