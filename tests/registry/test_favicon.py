"""The icon a browser asks for by itself, /favicon.ico, on a page that links none (the
password reset and the admin's pages): it was a 404 in the server's log on every visit."""

import pytest


@pytest.mark.django_db
def test_the_browsers_icon_request_leads_to_the_registrys_icon(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].endswith("/static/registry/favicon.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)
