-- The launch rush: a signup is one call to the database. The rules are the same as before and
-- decided by the same constraints (the key, the NIK claim, the two family-card slots); a refused
-- signup removes what it inserted, so the call needs no transaction around it.
--
-- The key is written once, with its outcome: the reference is known before the call (one
-- write fewer per signup). Refused signups still remove it.
--
-- The verification job is written here too, once a signup has passed every rule: cheaper in the
-- launch rush than a trigger on every inserted row (and a refused signup never writes a job that
-- its own rollback of the row then deletes). Jobs are taken in applicant-id order (UUIDv7, time
-- order) through the primary key: one index fewer per signup.
create function register_applicant(
    p_key uuid,
    p_account_id uuid,
    p_applicant_id uuid,
    p_reference text,
    p_nik char(16),
    p_kk char(16),
    p_full_name text,
    p_birth_date date,
    p_gender char(1),
    p_birth_place text,
    p_province_code char(2),
    p_city text,
    p_mobile text,
    p_education text,
    p_employment_status text,
    p_interests text[],
    p_registered_at timestamptz,
    out outcome text,
    out reference text
) language plpgsql as $$
begin
    insert into idempotency_keys (key, account_id, operation, outcome)
        values (p_key, p_account_id, 'signup', jsonb_build_object('reference', p_reference))
        on conflict (key) do nothing;
    if not found then
        select k.outcome ->> 'reference' into reference
            from idempotency_keys k
            where k.key = p_key and k.account_id = p_account_id and k.operation = 'signup';
        outcome := case when reference is null then 'key-conflict' else 'registered' end;
        return;
    end if;

    insert into applicants (id, account_id, reference, nik, kk, full_name, birth_date, gender, birth_place,
            province_code, city, mobile, education, employment_status, interests, registered_at)
        values (p_applicant_id, p_account_id, p_reference, p_nik, p_kk, p_full_name, p_birth_date, p_gender,
            p_birth_place, p_province_code, p_city, p_mobile, p_education, p_employment_status, p_interests,
            p_registered_at)
        on conflict (account_id) do nothing;
    if not found then
        delete from idempotency_keys where key = p_key;
        select a.reference into reference from applicants a where a.account_id = p_account_id;
        outcome := 'already-registered';
        return;
    end if;

    insert into nik_claims (nik, applicant_id) values (p_nik, p_applicant_id) on conflict (nik) do nothing;
    if not found then
        delete from applicants where id = p_applicant_id;
        delete from idempotency_keys where key = p_key;
        outcome := 'nik-taken';
        return;
    end if;

    insert into family_card_slots (kk, slot, applicant_id) values (p_kk, 1, p_applicant_id)
        on conflict (kk, slot) do nothing;
    if not found then
        insert into family_card_slots (kk, slot, applicant_id) values (p_kk, 2, p_applicant_id)
            on conflict (kk, slot) do nothing;
        if not found then
            delete from applicants where id = p_applicant_id; -- its NIK claim goes with it (cascade)
            delete from idempotency_keys where key = p_key;
            outcome := 'family-card-full';
            return;
        end if;
    end if;

    -- Passed every rule the database enforces: the automatic checks take it from here.
    insert into verification_jobs (applicant_id, available_at) values (p_applicant_id, p_registered_at);
    delete from signup_drafts where account_id = p_account_id;
    reference := p_reference;
    outcome := 'registered';
end;
$$;
