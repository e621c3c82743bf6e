"""The HTTP API and the what-if page: :func:`tradesim.web.app.create_app`, ``tradesim serve``."""
