-- Builds the macros the works/series SQL uses (kept in the warehouse, like sql/clean's).
-- Reads: nothing (uses fold_text / title_key from sql/clean/00_macros.sql). Parameters: none.

-- Number words as digits, so "The Five Love Languages" and "The 5 Love Languages" share a key
-- and "Book One" reads as position 1.
create or replace macro number_words(t) as
    case when not regexp_matches(t, '\b(one|two|three|four|five|six|seven|eight|nine|ten|first|'
        || 'second|third|i|ii|iii|iv|v|vi)\b') then t else list_reduce(
        [['one', '1'], ['two', '2'], ['three', '3'], ['four', '4'], ['five', '5'],
         ['six', '6'], ['seven', '7'], ['eight', '8'], ['nine', '9'], ['ten', '10'],
         ['first', '1'], ['second', '2'], ['third', '3'], ['i', '1'], ['ii', '2'],
         ['iii', '3'], ['iv', '4'], ['v', '5'], ['vi', '6']],
        lambda acc, p: regexp_replace(acc, '\b' || p[1] || '\b', p[2], 'g'),
        t) end;
