"""The review app's routes, one blueprint per concern; `review.app.create_app` registers them all.

Each module's `blueprint()` builds a new Blueprint (an app per test, one per server); handlers find the site's
databases and templates with `review.web.site_of(request)`.
"""
