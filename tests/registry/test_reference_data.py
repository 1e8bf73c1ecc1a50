import pytest
from django.contrib.auth.models import Group

from registry.models import Bureau, Jurisdiction, ServiceCategory
from registry.roles import Role


@pytest.mark.django_db
def test_jiangxi_with_its_cities_and_nanchang_counties_is_loaded():
    province = Jurisdiction.objects.get(code="360000")
    assert province.name == "江西省" and province.parent is None
    cities = set(province.children.values_list("name", flat=True))
    assert len(cities) == 12  # 11 设区市 and 赣江新区
    assert {"南昌市", "赣州市", "上饶市", "赣江新区"} <= cities
    counties = set(Jurisdiction.objects.get(code="360100").children.values_list("name", flat=True))
    assert {"东湖区", "西湖区", "青云谱区", "青山湖区", "新建区", "红谷滩区", "南昌县", "安义县",
            "进贤县"} == counties


@pytest.mark.django_db
def test_every_jurisdiction_has_a_bureau():
    assert not Jurisdiction.objects.filter(bureau__isnull=True).exists()
    assert Bureau.objects.get(jurisdiction__code="36GJXQ").name == "赣江新区社会发展局"


@pytest.mark.django_db
def test_lineage_and_subtree():
    donghu = Jurisdiction.objects.get(code="360102")
    assert [j.code for j in donghu.lineage()] == ["360102", "360100", "360000"]
    nanchang = Jurisdiction.objects.get(code="360100")
    subtree = Jurisdiction.objects.filter(Jurisdiction.subtree_q(nanchang.pk))
    assert subtree.count() == 10
    assert not subtree.filter(code="360200").exists()


@pytest.mark.django_db
def test_categories_and_role_groups_are_data():
    top = set(ServiceCategory.objects.filter(parent=None).values_list("name", flat=True))
    assert top == {"体育", "文化艺术", "科技", "劳动", "阅读", "综合实践"}
    assert ServiceCategory.objects.get(code="mental-health").parent.code == "integrated"
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
