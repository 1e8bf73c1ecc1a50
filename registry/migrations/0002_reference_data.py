"""Reference data every installation needs: the seed's province (江西省) with its
cities and the counties of 南昌市, a bureau for each, the non-academic service
categories, and one group per role."""

from django.db import migrations

PROVINCE = ("360000", "江西省", "Jiangxi Province", "江西省教育厅", "Jiangxi Provincial Department of Education")

# (code, name, English name); 赣江新区 is a state-level new area without a GB/T 2260
# code of its own, so it gets a local one, and its bureau is the 社会发展局 the
# seed notice is addressed to.
CITIES = [
    ("360100", "南昌市", "Nanchang"),
    ("360200", "景德镇市", "Jingdezhen"),
    ("360300", "萍乡市", "Pingxiang"),
    ("360400", "九江市", "Jiujiang"),
    ("360500", "新余市", "Xinyu"),
    ("360600", "鹰潭市", "Yingtan"),
    ("360700", "赣州市", "Ganzhou"),
    ("360800", "吉安市", "Ji'an"),
    ("360900", "宜春市", "Yichun"),
    ("361000", "抚州市", "Fuzhou"),
    ("361100", "上饶市", "Shangrao"),
    ("36GJXQ", "赣江新区", "Ganjiang New Area"),
]

NANCHANG_COUNTIES = [
    ("360102", "东湖区", "Donghu District"),
    ("360103", "西湖区", "Xihu District"),
    ("360104", "青云谱区", "Qingyunpu District"),
    ("360111", "青山湖区", "Qingshanhu District"),
    ("360112", "新建区", "Xinjian District"),
    ("360113", "红谷滩区", "Honggutan District"),
    ("360121", "南昌县", "Nanchang County"),
    ("360123", "安义县", "Anyi County"),
    ("360124", "进贤县", "Jinxian County"),
]

# (code, name, English name, parent code or None, sort order)
CATEGORIES = [
    ("sport", "体育", "Sport", None, 10),
    ("arts", "文化艺术", "Culture and arts", None, 20),
    ("science", "科技", "Science and technology", None, 30),
    ("labour", "劳动", "Labour education", None, 40),
    ("reading", "阅读", "Reading", None, 50),
    ("integrated", "综合实践", "Integrated practice", None, 60),
    ("mental-health", "心理健康", "Mental health", "integrated", 61),
    ("study-tour", "研学", "Study tours", "integrated", 62),
    ("intangible-heritage", "非遗传承", "Intangible cultural heritage", "arts", 21),
]

ROLES = ["provider", "bureau_clerk", "bureau_expert", "bureau_approver", "bureau_admin", "school"]


def load(apps, schema_editor):
    Jurisdiction = apps.get_model("registry", "Jurisdiction")
    Bureau = apps.get_model("registry", "Bureau")
    ServiceCategory = apps.get_model("registry", "ServiceCategory")
    Group = apps.get_model("auth", "Group")

    code, name, name_en, bureau_name, bureau_en = PROVINCE
    province, _ = Jurisdiction.objects.get_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "level": "province"}
    )
    Bureau.objects.get_or_create(
        jurisdiction=province, defaults={"name": bureau_name, "name_en": bureau_en}
    )
    cities = {}
    for code, name, name_en in CITIES:
        city, _ = Jurisdiction.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "level": "city", "parent": province},
        )
        cities[code] = city
        if code == "36GJXQ":
            bureau = ("赣江新区社会发展局", "Ganjiang New Area Social Development Bureau")
        else:
            bureau = (f"{name}教育局", f"{name_en} Education Bureau")
        Bureau.objects.get_or_create(
            jurisdiction=city, defaults={"name": bureau[0], "name_en": bureau[1]}
        )
    for code, name, name_en in NANCHANG_COUNTIES:
        county, _ = Jurisdiction.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "level": "county",
                      "parent": cities["360100"]},
        )
        Bureau.objects.get_or_create(
            jurisdiction=county,
            defaults={"name": f"南昌市{name}教育局" if name != "南昌县" else "南昌县教育局",
                      "name_en": f"{name_en} Education Bureau"},
        )
    by_code = {}
    for code, name, name_en, parent, order in CATEGORIES:
        category, _ = ServiceCategory.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "parent": by_code.get(parent),
                      "sort_order": order},
        )
        by_code[code] = category
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
