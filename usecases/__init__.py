"""The application's operations, called by handlers, the scheduler and delivery."""
