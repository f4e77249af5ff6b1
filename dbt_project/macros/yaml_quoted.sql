{#- A SQL expression of type string, as a YAML double-quoted scalar: backslashes, double
    quotes, line breaks and tabs escaped, so that a value from data (an anonymous id a
    client sent can hold anything) stays one string when pasted into cdp.yml. The
    backslash is chr(92): engines disagree on whether it escapes in a string literal. -#}
{% macro yaml_quoted(expression) -%}
    '"' || replace(replace(replace(replace(replace({{ expression }},
        chr(92), chr(92) || chr(92)), '"', chr(92) || '"'),
        chr(10), chr(92) || 'n'), chr(13), chr(92) || 'r'), chr(9), chr(92) || 't') || '"'
{%- endmacro %}
