-- Builds `warehouse_info`: what this warehouse was built from, so every reader can tell a
-- synthetic demo warehouse from a real one.
-- Reads: nothing. Parameters: $data_source, $synthetic, $input_fingerprint (inputs + SQL).
create or replace table warehouse_info as
select
    $data_source::varchar as data_source,
    $synthetic::boolean as synthetic,
    $input_fingerprint::varchar as input_fingerprint
