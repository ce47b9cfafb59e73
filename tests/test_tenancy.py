import pytest
from django.apps import apps

from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from plp_portal.tenancy import TenantModel, UnscopedQueryError, system_scope
from tests.factories import MembershipFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_unscoped_query_of_a_tenant_model_fails_loudly(org):
    MembershipFactory(organisation=org)
    with pytest.raises(UnscopedQueryError):
        list(Membership.objects.all())
    with pytest.raises(UnscopedQueryError):
        Membership.objects.filter(role=Role.LEARNER).count()
    with pytest.raises(UnscopedQueryError):
        Membership.objects.get(organisation=org)
    with pytest.raises(UnscopedQueryError):
        Membership.objects.filter(role=Role.LEARNER).exists()
    with pytest.raises(UnscopedQueryError):
        Membership.objects.update(role=Role.KEY_WORKER)
    with pytest.raises(UnscopedQueryError):
        Membership.objects.all().delete()


def test_for_org_returns_only_that_organisations_rows(org, other_org):
    mine = MembershipFactory(organisation=org)
    MembershipFactory(organisation=other_org)
    assert list(Membership.objects.for_org(org)) == [mine]
    # Chaining keeps the scope.
    assert Membership.objects.for_org(org).filter(role=mine.role).order_by("pk").count() == 1


def test_an_empty_queryset_reads_nothing_but_is_still_scoped(org, django_assert_num_queries):
    MembershipFactory(organisation=org)
    with django_assert_num_queries(0):
        assert list(Membership.objects.for_org(org).none()) == []
        assert list(Membership.objects.for_org(org).filter(pk__in=[]).values_list("pk", flat=True)) == []
    with pytest.raises(UnscopedQueryError):
        list(Membership.objects.none())


def test_for_org_none_is_refused_not_treated_as_everything(org):
    with pytest.raises(UnscopedQueryError):
        Membership.objects.for_org(None)


def test_related_manager_of_a_tenant_object_is_scoped_by_its_parent(org):
    from learners.tests.factories import LearnerProfileFactory, plan_for

    plan = plan_for(LearnerProfileFactory(organisation=org))
    assert plan.profile.plans.count() == 1  # reached from a row that names its organisation


def test_related_manager_of_a_user_is_not_a_scope(org, other_org):
    """Issue 12: ``user.memberships`` spans organisations; it must say which, like the table."""
    user = UserFactory()
    MembershipFactory(organisation=org, user=user)
    MembershipFactory(organisation=other_org, user=user)
    with pytest.raises(UnscopedQueryError):
        user.memberships.count()
    with pytest.raises(UnscopedQueryError):
        list(user.memberships.filter(role=Role.LEARNER))
    with pytest.raises(UnscopedQueryError):
        user.memberships.exists()
    with pytest.raises(UnscopedQueryError):
        list(UserFactory._meta.model.objects.prefetch_related("memberships").filter(pk=user.pk))
    assert user.memberships.for_org(org).count() == 1
    assert user.memberships.system("a person's own memberships, for a test").count() == 2


def test_an_unscoped_queryset_inside_a_scoped_query_is_refused(org, other_org):
    """Issue 12: ``pk__in=``, ``Exists()`` and ``Subquery()`` of an unscoped tenant queryset were
    waved through by the scoped outer query; they are refused when the outer query takes them."""
    from django.db.models import Exists, OuterRef, Subquery

    from tests.factories import UserFactory as Users

    mine = MembershipFactory(organisation=org)
    MembershipFactory(organisation=other_org)
    unscoped = Membership.objects.filter(role=mine.role)
    scoped = Membership.objects.for_org(org)
    with pytest.raises(UnscopedQueryError):
        scoped.filter(pk__in=unscoped.values("pk"))
    with pytest.raises(UnscopedQueryError):
        scoped.filter(pk__in=unscoped)
    with pytest.raises(UnscopedQueryError):
        scoped.filter(Exists(unscoped.filter(user=OuterRef("user"))))
    with pytest.raises(UnscopedQueryError):
        scoped.annotate(other=Subquery(unscoped.filter(user=OuterRef("user")).values("pk")[:1]))
    # ... and inside a query of a model that is not a tenant's (the person table).
    with pytest.raises(UnscopedQueryError):
        Users._meta.model.objects.filter(pk__in=unscoped.values("user_id"))
    with pytest.raises(UnscopedQueryError):
        Users._meta.model.objects.filter(Exists(unscoped.filter(user=OuterRef("pk"))))
    # A related manager of a user is no scope inside a query either.
    with pytest.raises(UnscopedQueryError):
        scoped.filter(pk__in=mine.user.memberships.values("pk"))
    # Scoped (or stated system) subqueries pass, and an exclude() across a relation still works.
    assert list(scoped.filter(pk__in=Membership.objects.for_org(org).values("pk"))) == [mine]
    assert list(scoped.filter(Exists(Membership.objects.system("test").filter(pk=OuterRef("pk"))))) == [mine]
    assert list(scoped.annotate(n=Subquery(Membership.objects.for_org(org).filter(
        pk=OuterRef("pk")).values("pk")[:1])).values_list("n", flat=True)) == [mine.pk]
    with system_scope("a management command"):
        assert scoped.filter(pk__in=unscoped.values("pk")).count() == 1


def test_system_scope_must_state_a_reason(org):
    MembershipFactory(organisation=org)
    assert Membership.objects.system("counting for a test").count() == 1
    with pytest.raises(ValueError):
        Membership.objects.system("")
    with system_scope("a management command"):
        assert Membership.objects.count() == 1


def test_unique_validation_works_without_a_scope(org):
    user = member(org, Role.LEARNER)
    duplicate = Membership(organisation=org, user=user, role=Role.KEY_WORKER)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        duplicate.full_clean()


# Models that are not owned by one organisation, each with the reason.
NOT_TENANT_OWNED = {
    "accounts.User": "a person may belong to several organisations",
    "accounts.Session": "a person's sign-in, not organisation data",
    "organisations.Organisation": "the tenant itself",
    "audit.AuditEvent": "system record; rows name their organisation where there is one",
    "notifications.OutboundEmail": "mail queue; read only by the sending job",
    "careersplan.PlanTemplate": "careers plan / ILP checklist templates are shared: global (the "
    "Kent template, a data migration) or owned by a local authority for its schools (nullable "
    "owner); they hold no school's data",
    "careersplan.TemplateSection": "part of a shared PlanTemplate",
    "careersplan.TemplateRow": "part of a shared PlanTemplate",
    "careersplan.ChecklistItem": "part of a shared PlanTemplate",
}


def test_every_model_of_our_apps_is_tenant_scoped_or_listed_with_a_reason():
    ours = ("plp_portal.", "learners", "keyworkers", "guidance", "careersplan")
    unlisted = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith(ours)
        and not issubclass(model, TenantModel)
        and model._meta.label not in NOT_TENANT_OWNED
        and not getattr(model, "plp_scoped_through", None)
    ]
    assert unlisted == [], (
        "Each model must subclass TenantModel, declare plp_scoped_through (the tenant-owned "
        f"parent that scopes it), or be listed in NOT_TENANT_OWNED with a reason: {unlisted}"
    )


def test_an_unscoped_queryset_combined_with_a_scoped_one_is_refused(org, other_org):
    """Issue 12: ``scoped | unscoped`` (and ``&``, ``^``, ``union``, ``intersection``,
    ``difference``) took the scoped side's mark and let the other organisation's rows through;
    each is refused when the querysets are combined, whichever side is unscoped."""
    mine = MembershipFactory(organisation=org)
    MembershipFactory(organisation=other_org)
    scoped = Membership.objects.for_org(org)
    unscoped = Membership.objects.filter(role=mine.role)
    paths = {
        "a | b": lambda a, b: a | b,
        "a & b": lambda a, b: a & b,
        "a ^ b": lambda a, b: a ^ b,
        "union": lambda a, b: a.union(b),
        "union all": lambda a, b: a.union(b, all=True),
        "intersection": lambda a, b: a.intersection(b),
        "difference": lambda a, b: a.difference(b),
    }
    for name, combine in paths.items():
        for left, right in ((scoped, unscoped), (unscoped, scoped)):
            with pytest.raises(UnscopedQueryError):
                combine(left, right)
                pytest.fail(f"{name} combined an unscoped queryset")
    # A user's related manager is no scope here either; values() querysets are checked too.
    with pytest.raises(UnscopedQueryError):
        scoped | mine.user.memberships.all()
    with pytest.raises(UnscopedQueryError):
        scoped.values_list("pk").union(unscoped.values_list("pk"))
    # Scoped with scoped, a stated system scope, and an empty side pass.
    assert list(scoped | Membership.objects.for_org(org).filter(pk=mine.pk)) == [mine]
    assert list(scoped.union(Membership.objects.for_org(org))) == [mine]
    assert list(scoped | Membership.objects.none()) == [mine]
    assert (scoped | Membership.objects.system("a test").filter(pk=mine.pk)).count() == 1
    with system_scope("a management command", database=False):
        assert (scoped | unscoped).count() >= 1
