{#-
    Multi-source breadth-first search in plain SQL rounds.

    edges: a relation with `node_id`, `neighbour_id` (both directions); seeds: a relation
    with `node_id` and `seed_id` (nodes sharing a seed_id grow as one seed). Returns the
    name of a table with (node_id, seed_id, distance): for each node reachable from a
    seed, every seed at the smallest distance (more than one on a tie). Each round expands only the last frontier, so a round costs the edges of
    the nodes reached in it. Only `create table as`, `insert into`, joins and group by.
-#}
{% macro nearest_seeds(edges, seeds, max_rounds=100) %}
    {#- parsing (and a unit test's first rendering, which has no `this`): the SQL never runs -#}
    {%- if not execute -%}
        {{ return("nearest_seeds__not_run") }}
    {%- endif -%}
    {%- set reached = this.incorporate(path={"identifier": this.identifier ~ "__bfs_reached"}, type="table") -%}
    {%- set frontier = this.incorporate(path={"identifier": this.identifier ~ "__bfs_frontier"}, type="table") -%}
    {%- if flags.WHICH not in ("run", "build") -%}
        {{ return(reached) }}
    {%- endif -%}

    {%- set initial -%}
        select node_id, seed_id, 0 as distance from {{ seeds }}
    {%- endset -%}
    {% do adapter.drop_relation(reached) %}
    {% do run_query(get_create_table_as_sql(False, reached, initial)) %}

    {%- set state = namespace(done=false, rounds=0) -%}
    {%- for round in range(1, max_rounds + 1) if not state.done -%}
        {%- set step -%}
            select distinct e.neighbour_id as node_id, r.seed_id, {{ round }} as distance
            from {{ reached }} as r
            inner join {{ edges }} as e on e.node_id = r.node_id
            left join {{ reached }} as seen on seen.node_id = e.neighbour_id
            where r.distance = {{ round - 1 }} and seen.node_id is null
        {%- endset -%}
        {% do adapter.drop_relation(frontier) %}
        {% do run_query(get_create_table_as_sql(False, frontier, step)) %}
        {%- set added = run_query("select count(*) from " ~ frontier).columns[0].values()[0] -%}
        {% do run_query("insert into " ~ reached ~ " select node_id, seed_id, distance from " ~ frontier) %}
        {%- set state.rounds = round -%}
        {%- set state.done = added == 0 -%}
    {%- endfor -%}
    {%- if not state.done -%}
        {{ exceptions.raise_compiler_error("nearest_seeds did not finish in " ~ max_rounds ~ " rounds") }}
    {%- endif -%}
    {% do adapter.drop_relation(frontier) %}
    {{ log("nearest_seeds: " ~ state.rounds ~ " rounds", info=true) }}
    {{ return(reached) }}
{% endmacro %}

{% macro drop_nearest_seeds_work_tables() %}
    {%- for suffix in ["__bfs_reached", "__bfs_frontier"] -%}
        {% do adapter.drop_relation(this.incorporate(path={"identifier": this.identifier ~ suffix}, type="table")) %}
    {%- endfor -%}
{% endmacro %}
