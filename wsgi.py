from helpdesk import create_app, refuse_weak_secret_key

app = create_app()
refuse_weak_secret_key(app)
