-- Records (or replaces) one table's lineage row.
-- Reads: nothing. Parameters: $name, $built_from, $fingerprint.
insert or replace into lineage
select
    $name::varchar as name,
    $built_from::varchar as built_from,
    $fingerprint::varchar as fingerprint,
    current_localtimestamp()::timestamp as recorded_at
