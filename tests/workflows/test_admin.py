import pytest

ADMIN_PAGES = ["rubriccriterion", "calendaroverride", "callforapplications", "selectionprocess",
               "vettingprocess", "recertificationprocess", "annualreviewprocess",
               "expertassignment", "objection", "notification", "expiryreminder",
               "partneropinion"]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_admin_lists_open_with_search(admin_client, model):
    response = admin_client.get(f"/admin/workflows/{model}/?q=test")
    assert response.status_code == 200


def test_case_data_is_read_only_in_admin(admin_client):
    assert admin_client.get("/admin/workflows/selectionprocess/add/").status_code == 403
    assert admin_client.get("/admin/workflows/objection/add/").status_code == 403


def test_rubric_and_calendar_are_editable_data(admin_client):
    assert admin_client.get("/admin/workflows/rubriccriterion/add/").status_code == 200
    response = admin_client.post("/admin/workflows/calendaroverride/add/",
                                 {"date": "2027-02-05", "is_workday": "", "note": "春节"})
    assert response.status_code == 302
