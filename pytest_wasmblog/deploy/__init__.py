"""Serving a built site from a real web server or static host: the header/serving configuration each
target needs (`configs`), and real nginx/Caddy/Apache servers started with it for tests (`hosts`)."""

# The real servers `deploy.hosts` can start (`plain`: a static server that sends no custom headers).
HOST_KINDS = ("nginx", "caddy", "apache", "plain")
