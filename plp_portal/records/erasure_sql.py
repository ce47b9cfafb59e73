"""The one database-level exception to the append-only tables (README, "Retention and erasure").

The learning journey (``learners_narrativeentry``) and the audit log (``audit_auditevent``) refuse
UPDATE and DELETE in a trigger, and the application's role has no UPDATE or DELETE privilege on
them (plp_portal.dbroles). A learner's rows there may be deleted only by ``records_erase_learner``:

- a SECURITY DEFINER function owned by the tables' owner (so it runs with the owner's DELETE
  privilege, which the app role lacks), EXECUTE granted to the app role alone;
- it erases only for a *confirmed* ``records_erasure`` row of that learner in that organisation
  (the retention job's, or an early erasure confirmed by a second admin — checked again here);
- it sets the transaction-local ``plp.erasure`` setting for its own DELETEs and resets it;
- the triggers let a DELETE through only when that setting is on AND the statement runs as the
  table's owner (``current_user``, which inside the function is its owner). The app role can set
  the setting itself, but it is not the owner, and it has no DELETE privilege anyway;
- it writes its own audit entry (no personal data: the erasure id, the profile id, the counts),
  which it cannot erase (that entry has no learner_profile_id).
"""

TABLES = ("audit_auditevent", "learners_narrativeentry")
SETTING = "plp.erasure"


def trigger_function(table: str, *, with_exception: bool) -> str:
    exception = f"""
            IF TG_OP = 'DELETE' AND current_setting('{SETTING}', true) = 'on'
               AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
                RETURN OLD;
            END IF;""" if with_exception else ""
    return f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN{exception}
            RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql;
    """


ERASE_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION records_erase_learner(p_org bigint, p_profile bigint) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
        e records_erasure%ROWTYPE;
        n_journey integer;
        n_audit integer;
    BEGIN
        SELECT * INTO e FROM records_erasure
         WHERE organisation_id = p_org AND profile_id = p_profile AND status = 'confirmed'
           AND (reason = 'retention'
                OR (reason = 'early' AND requested_by_id IS NOT NULL AND confirmed_by_id IS NOT NULL
                    AND requested_by_id <> confirmed_by_id));
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no confirmed erasure of learner % in organisation %', p_profile, p_org
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM set_config('{SETTING}', 'on', true);
        DELETE FROM learners_narrativeentry n USING learners_plan p
         WHERE n.plan_id = p.id AND p.profile_id = p_profile AND p.organisation_id = p_org;
        GET DIAGNOSTICS n_journey = ROW_COUNT;
        DELETE FROM audit_auditevent WHERE learner_profile_id = p_profile AND organisation_id = p_org;
        GET DIAGNOSTICS n_audit = ROW_COUNT;
        PERFORM set_config('{SETTING}', 'off', true);
        INSERT INTO audit_auditevent (created_at, action, organisation_id, object_type, object_id,
                                      object_repr, user_agent, path, data)
        VALUES (now(), 'records.erasure.append_only_erased', p_org, 'records.erasure', e.id::text,
                '', '', '', jsonb_build_object('profile_id', p_profile, 'reason', e.reason,
                                               'journey_entries', n_journey, 'audit_events', n_audit));
        RETURN n_journey + n_audit;
    END;
    $$;
    REVOKE ALL ON FUNCTION records_erase_learner(bigint, bigint) FROM PUBLIC;
"""

FORWARD = "".join(trigger_function(t, with_exception=True) for t in TABLES) + ERASE_FUNCTION
BACKWARD = ("DROP FUNCTION IF EXISTS records_erase_learner(bigint, bigint);"
            + "".join(trigger_function(t, with_exception=False) for t in TABLES))
