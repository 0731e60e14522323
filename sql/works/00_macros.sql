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

-- A work's title: the title before its subtitle and before an alternative title ("Moby-Dick or,
-- the Whale", "Frankenstein, or the Modern Prometheus", "Walden; or, Life in the Woods" are
-- "Moby-Dick", "Frankenstein", "Walden"), an "or" with a comma or semicolon beside it; a bare
-- "or" is part of the title ("To Be or Not to Be").
create or replace macro work_title_key(t) as
    main_title_key(regexp_replace(t, '(\s*[,;]\s*[Oo]r[,:]?\s+|\s+[Oo]r[,:]\s+)\S.*$', ''));

-- The words of four letters or more of a title without its series note: two titles that
-- share none name different books ("Five Little Pigs", "Evil Under the Sun").
create or replace macro title_words(t) as
    list_filter(string_split(coalesce(title_key(t), ''), ' '), lambda w: length(w) >= 4);
