"""The overview page: the key figures per language and their weekly trend, counts of the period and the chart of
messages per day. `?days=` chooses the period (7, 30 or 90 days; anything else gives the default).

Registered by `review.app.create_app`.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from pointe_claire import clock
from review.i18n import Translator
from review.kpis import DEFAULT_PERIOD, PERIODS, RATES, kpis
from review.overview import bar_chart_svg, overview
from review.queue import age_in_words
from review.web import language_of, refresh_index, render, site_of


def period_of(request: Request) -> int:
    value = str(request.args.get("days") or "")
    return int(value) if value in {str(days) for days in PERIODS} else DEFAULT_PERIOD


async def overview_page(request: Request) -> HTTPResponse:
    site = site_of(request)
    fresh = refresh_index(site)
    days = period_of(request)
    today = clock.now().date()
    stats = overview(site.review, today, days)
    t = Translator(language_of(request))
    return render(
        request,
        "overview.html",
        fresh=fresh,
        stats=stats,
        days=days,
        periods=PERIODS,
        rate_keys=RATES,
        kpis=kpis(site.review, today, days),
        chart=bar_chart_svg(stats.days, t("messages_per_day")),
        inbox=lambda values: "/?" + urlencode(values),
        wait=lambda seconds: "–" if seconds is None else age_in_words(timedelta(seconds=seconds), t.language),
    )


def blueprint() -> Blueprint:
    routes = Blueprint("overview")
    routes.add_route(overview_page, "/overview", methods=["GET"])
    return routes
