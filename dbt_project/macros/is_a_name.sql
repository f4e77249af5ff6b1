{#- True when a full name typed on a record ('first rest', lower-cased, single spaces:
    typed_full_name) says who someone is: a first word and a rest of two letters or more
    (an initial, 'j smith' or 'jon s.', could be a housemate's: they share a surname and
    may share an initial), no digits or symbols, and neither the first word nor the rest a
    placeholder or a title a clerk types for a name ('customer', 'na', 'mr'; seed
    name_junk_words). For a where clause: it reads the seed through subqueries. -#}
{% macro is_a_name(full_name) -%}
    (
        length(replace({{ first_word(full_name) }}, '.', '')) >= 2
        and length(replace({{ name_rest(full_name) }}, '.', '')) >= 2
        and not {{ regexp_matches(full_name, "'[0-9@_/]'") }}
        and {{ first_word(full_name) }} not in (select lower(trim(word)) from {{ ref('name_junk_words') }})
        and {{ name_rest(full_name) }} not in (select lower(trim(word)) from {{ ref('name_junk_words') }})
    )
{%- endmacro %}

{#- A name as typed, made comparable: lower case, trimmed, one space between words
    ('  JON   Silva ' is 'jon silva'). -#}
{% macro typed_full_name(name) -%}
    lower(trim({{ regexp_replace_all(name, "' +'", "' '") }}))
{%- endmacro %}
