"""Infrastructure: settings, the clock, the message catalogs, logging and metrics."""
