"""The overview page: counts of the last days and the chart of messages per day.

Registered by `review.app.create_app`.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from pointe_claire import clock
from review.i18n import Translator
from review.overview import bar_chart_svg, overview
from review.web import language_of, refresh_index, render, site_of


async def overview_page(request: Request) -> HTTPResponse:
    site = site_of(request)
    fresh = refresh_index(site)
    stats = overview(site.review, clock.now().date())
    t = Translator(language_of(request))
    return render(
        request, "overview.html", fresh=fresh, stats=stats, chart=bar_chart_svg(stats.days, t("messages_per_day"))
    )


def blueprint() -> Blueprint:
    routes = Blueprint("overview")
    routes.add_route(overview_page, "/overview", methods=["GET"])
    return routes
