-- Group commit for the launch rush: the signups that arrive together are registered in one
-- statement and one commit (most of the cost of a signup was the commit, not the rows). Each
-- row goes through register_applicant, so the rules and races are decided exactly as before;
-- rows of one batch see each other (same transaction).
create function register_applicants(
    p_keys uuid[],
    p_account_ids uuid[],
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
) returns table (outcome text, reference text) language plpgsql as $$
declare
    result record;
begin
    for i in 1 .. coalesce(array_length(p_keys, 1), 0) loop
        select * into result from register_applicant(
            p_keys[i], p_account_ids[i], p_applicant_ids[i], p_references[i], p_niks[i], p_kks[i], p_full_names[i],
            p_birth_dates[i], p_genders[i], p_birth_places[i], p_province_codes[i], p_cities[i], p_mobiles[i],
            p_educations[i], p_employment_statuses[i], string_to_array(p_interests[i], ','), p_registered_at[i]);
        outcome := result.outcome;
        reference := result.reference;
        return next;
    end loop;
end;
$$;
