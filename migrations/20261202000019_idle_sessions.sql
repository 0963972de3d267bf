-- Idle timeouts besides the absolute lifetimes (ASVS 3.3.2): a session unused for 15 minutes
-- (operators) or 30 minutes (applicants) has ended. The portal records when a session was last
-- used (at most once a minute for operators, every five for applicants: a write per request
-- would cost the launch surge a write per page).

alter table sessions add column last_seen_at timestamptz not null default now();

-- Group commit for the launch rush: the signups that arrive together are registered in one
-- call, one statement per table and one commit (most of the cost of a signup was the commit, not
-- the rows); PostgreSQL plans, starts and checks each statement once per batch rather than once
-- per signup. Rows of one batch see each other (same transaction).
--
-- * Each signup's session is resolved inside the call, with the idle limit above: a signup whose
--   session has expired, idled out or was signed out answers 'signed-out' and registers
--   nothing; the app server then sends the applicant to sign in.
-- * The usual signup (nothing in the database or elsewhere in its batch shares its idempotency
--   key, account, NIK or family card) is inserted with the others of its batch. Anything unusual
--   (a replay, a NIK already claimed, a family card already full, two members of one family in
--   one batch) goes through `register_applicant`, one at a time, which decides each rule by the
--   constraints.
create function register_signups(
    p_keys uuid[],
    -- Either the account (already known to the caller) or the session token hash to find it by.
    p_account_ids uuid[],
    p_session_hashes bytea[],
    p_applicant_ids uuid[],
    p_references text[],
    p_niks text[],
    p_kks text[],
    p_full_names text[],
    p_birth_dates date[],
    p_genders text[],
    p_birth_places text[],
    p_province_codes text[],
    p_cities text[],
    p_mobiles text[],
    p_educations text[],
    p_employment_statuses text[],
    -- Each applicant's interests, comma-separated (category codes contain no commas).
    p_interests text[],
    p_registered_at timestamptz[]
) returns table (outcome text, reference text, account_id uuid) language plpgsql
-- Every lookup here is an equality probe of a unique index. PL/pgSQL keeps the plans it makes in
-- a server's first calls, when the tables may be nearly empty and reading a whole table looks
-- cheaper than its index; such a plan would be kept while the tables grow to millions of rows.
set enable_seqscan = off
as $$
declare
    v_count int := coalesce(array_length(p_keys, 1), 0);
    v_accounts uuid[];
    -- The family-card slot of each signup inserted with the batch; null: decided one at a time.
    v_slots smallint[];
    -- Signups whose slot a concurrent batch took first.
    v_lost int[];
    v_i int;
    v_outcomes text[];
    v_references text[];
    v_result record;
begin
    if v_count = 0 then
        return;
    end if;

    -- Each signup's account: given, or that of its live session (probed one by one: a join
    -- here may be planned as a scan of every session).
    select array_agg(coalesce(t.account_id, (
            select s.account_id from sessions s
            where s.token_hash = t.session_hash and s.expires_at > t.registered_at
              and s.last_seen_at > t.registered_at - interval '30 minutes')) order by t.i)
        into v_accounts
        from unnest(p_account_ids, p_session_hashes, p_registered_at)
            with ordinality as t(account_id, session_hash, registered_at, i);

    -- Which signups go in together, and the family-card slot each takes. Family members in one
    -- batch take the free slots in turn; a card without a free slot (and any signup sharing a
    -- key, account or NIK with another) is left to `register_applicant`, which refuses it.
    -- (Each probe is a lateral subquery with a limit: an `exists` here may be planned as a hash
    -- of the whole table, built again in every batch.)
    select array_agg(slot order by i) into v_slots from (
        select t.i, case
                when t.account_id is null then null
                when count(*) over (partition by t.key) > 1
                    or count(*) over (partition by t.account_id) > 1
                    or count(*) over (partition by t.nik) > 1 then null
                when coalesce(replay.found, registered.found, claimed.found, false) then null
                when card.taken = 0 and row_number() over same_card <= 2 then row_number() over same_card
                when card.taken = 1 and row_number() over same_card = 1 then 3 - card.taken_slot
            end::smallint as slot
        -- (NIK and KK as char(16), the type of their columns, so that their indexes are used.)
        from unnest(p_keys, v_accounts, p_niks::char(16)[], p_kks::char(16)[])
            with ordinality as t(key, account_id, nik, kk, i)
        left join lateral (select true as found from idempotency_keys k where k.key = t.key limit 1) replay on true
        left join lateral (select true as found from applicants a where a.account_id = t.account_id limit 1) registered
            on true
        left join lateral (select true as found from nik_claims c where c.nik = t.nik limit 1) claimed on true
        cross join lateral (
            select count(*) as taken, min(f.slot) as taken_slot from family_card_slots f where f.kk = t.kk) card
        window same_card as (partition by t.kk order by t.i)
    ) decided;

    if exists (select 1 from unnest(v_slots) s where s is not null) then
        begin
            insert into idempotency_keys (key, account_id, operation, outcome)
                select t.key, t.account_id, 'signup', jsonb_build_object('reference', t.reference)
                from unnest(p_keys, v_accounts, p_references) with ordinality as t(key, account_id, reference, i)
                where v_slots[t.i] is not null;
            insert into applicants (id, account_id, reference, nik, kk, full_name, birth_date, gender, birth_place,
                    province_code, city, mobile, education, employment_status, interests, registered_at)
                select t.id, t.account_id, t.reference, t.nik, t.kk, t.full_name, t.birth_date, t.gender,
                    t.birth_place, t.province_code, t.city, t.mobile, t.education, t.employment_status,
                    string_to_array(t.interests, ','), t.registered_at
                from unnest(p_applicant_ids, v_accounts, p_references, p_niks, p_kks, p_full_names, p_birth_dates,
                        p_genders, p_birth_places, p_province_codes, p_cities, p_mobiles, p_educations,
                        p_employment_statuses, p_interests, p_registered_at)
                    with ordinality as t(id, account_id, reference, nik, kk, full_name, birth_date, gender,
                        birth_place, province_code, city, mobile, education, employment_status, interests,
                        registered_at, i)
                where v_slots[t.i] is not null
                order by t.i;
            insert into nik_claims (nik, applicant_id)
                select t.nik, t.id from unnest(p_niks, p_applicant_ids) with ordinality as t(nik, id, i)
                where v_slots[t.i] is not null;
            -- In the batch's order (by KK), as every batch takes slots, so batches never deadlock.
            -- A family member in a batch committing beside this one may have taken the slot since
            -- the check above (family members often sign up together): that signup is taken out
            -- again and decided one at a time below, the others stay.
            with taken as (
                insert into family_card_slots (kk, slot, applicant_id)
                    select t.kk, v_slots[t.i], t.id
                    from unnest(p_kks, p_applicant_ids) with ordinality as t(kk, id, i)
                    where v_slots[t.i] is not null
                    order by t.i
                on conflict do nothing
                returning applicant_id)
            select array_agg(t.i) into v_lost
                from unnest(p_applicant_ids) with ordinality as t(id, i)
                where v_slots[t.i] is not null and t.id not in (select applicant_id from taken);
            if v_lost is not null then
                delete from applicants a where a.id = any (select p_applicant_ids[i] from unnest(v_lost) i);
                delete from idempotency_keys k where k.key = any (select p_keys[i] from unnest(v_lost) i);
                foreach v_i in array v_lost loop
                    v_slots[v_i] := null;
                end loop;
            end if;
            insert into verification_jobs (applicant_id, available_at)
                select t.id, t.registered_at
                from unnest(p_applicant_ids, p_registered_at) with ordinality as t(id, registered_at, i)
                where v_slots[t.i] is not null;
            delete from signup_drafts d
                where d.account_id = any (
                    select t.account_id from unnest(v_accounts) with ordinality as t(account_id, i)
                    where v_slots[t.i] is not null);
        exception when unique_violation then
            -- Another batch took one of these keys, accounts or NIKs since the check above (its
            -- commit came in between): this batch's inserts are undone, and every signup is
            -- decided one at a time instead.
            v_slots := array_fill(null::smallint, array[v_count]);
        end;
    end if;

    v_outcomes := array_fill(null::text, array[v_count]);
    v_references := array_fill(null::text, array[v_count]);
    for i in 1 .. v_count loop
        if v_slots[i] is not null then
            v_outcomes[i] := 'registered';
            v_references[i] := p_references[i];
        elsif v_accounts[i] is null then
            v_outcomes[i] := 'signed-out';
        else
            select * into v_result from register_applicant(
                p_keys[i], v_accounts[i], p_applicant_ids[i], p_references[i], p_niks[i], p_kks[i], p_full_names[i],
                p_birth_dates[i], p_genders[i], p_birth_places[i], p_province_codes[i], p_cities[i], p_mobiles[i],
                p_educations[i], p_employment_statuses[i], string_to_array(p_interests[i], ','),
                p_registered_at[i]);
            v_outcomes[i] := v_result.outcome;
            v_references[i] := v_result.reference;
        end if;
    end loop;

    return query
        select t.outcome, t.reference, t.account_id
        from unnest(v_outcomes, v_references, v_accounts) with ordinality as t(outcome, reference, account_id, i)
        order by t.i;
end;
$$;
