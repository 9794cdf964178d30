from helpdesk import create_app

# Production: no start without a configured secret key of 32 characters or more (the same on every machine).
app = create_app(production=True)
