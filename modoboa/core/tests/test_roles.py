from modoboa.core import constants


def test_load_initial_data_creates_superadmin_and_groups(superadmin):
    from django.contrib.auth.models import Group

    assert superadmin.is_superuser
    assert superadmin.check_password("password")
    assert set(Group.objects.values_list("name", flat=True)) == {
        constants.SIMPLEUSERS,
        constants.DOMAINADMINS,
        constants.RESELLERS,
    }


def test_each_role_reports_its_name(superadmin, reseller, domain_admin, simple_user):
    assert superadmin.role == constants.SUPERADMINS
    assert reseller.role == constants.RESELLERS
    assert domain_admin.role == constants.DOMAINADMINS
    assert simple_user.role == constants.SIMPLEUSERS
