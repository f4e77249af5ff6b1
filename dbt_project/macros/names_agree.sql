{#- Two full names ('first last', lower-cased) that are one person's as far as a name can
    say: the same, or the same but for a one-letter slip inside one of the two words (a
    letter dropped or doubled, as a clerk types 'Fin' or 'Woood'). A slip at either end of a
    word is not forgiven: 'carl' and 'carla', 'ann' and 'anna' are different people. Nor is
    one between two first names that are both common ones (a_common, b_common: SQL booleans,
    the first word is in seed common_first_names): 'dean' and 'dan', 'carol' and 'carl' are
    a couple on one landline, not a slip. -#}
{% macro names_agree(a, b, a_common='false', b_common='false') -%}
    (
        {{ a }} = {{ b }}
        or (
            {{ first_word(a) }} = {{ first_word(b) }}
            and {{ word_slip(name_rest(a), name_rest(b)) }}
        )
        or (
            {{ name_rest(a) }} = {{ name_rest(b) }}
            and {{ word_slip(first_word(a), first_word(b)) }}
            and not ({{ a_common }} and {{ b_common }})
        )
    )
{%- endmacro %}

{# the first word of a name #}
{% macro first_word(name) -%}
    {{ dbt.split_part(name, "' '", 1) }}
{%- endmacro %}

{# what follows the first word of a name #}
{% macro name_rest(name) -%}
    substr({{ name }}, length({{ first_word(name) }}) + 2)
{%- endmacro %}

{# one letter dropped or added inside a word of three letters or more, its ends the same #}
{% macro word_slip(x, y) -%}
    (
        abs(length({{ x }}) - length({{ y }})) = 1
        and least(length({{ x }}), length({{ y }})) >= 3
        and substr({{ x }}, 1, 1) = substr({{ y }}, 1, 1)
        and substr({{ x }}, length({{ x }}), 1) = substr({{ y }}, length({{ y }}), 1)
        and {{ edit_distance(x, y) }} = 1
    )
{%- endmacro %}

{% macro edit_distance(x, y) -%}
    {{ return(adapter.dispatch('edit_distance')(x, y)) }}
{%- endmacro %}

{# Levenshtein distance: DuckDB and Spark both name it so #}
{% macro default__edit_distance(x, y) -%}
    levenshtein({{ x }}, {{ y }})
{%- endmacro %}
