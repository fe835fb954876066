"""The organization console: one static page (HTML, JavaScript, CSS) over the public API."""
